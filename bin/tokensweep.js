#!/usr/bin/env node
const { main } = require('../dist/apps/cli/src/main.js');

main(process.argv).then((code) => {
  process.exitCode = code;
});
