// A worker thread of the Rust-reference test: tokenizes jobs of numbers with the built tokensweep
// (its chunk code path: the native batch) and with Hugging Face's Rust tokenizers, and reports every
// difference.
const { parentPort } = require('node:worker_threads');
const path = require('node:path');
const { Tokenizer } = require('tokenizers');

const DIST = path.resolve(__dirname, '../../dist/libs/analysis/src');
const { NumberTokenizer } = require(path.join(DIST, 'models/tokenizer.js'));
const { tokenizeNumbers } = require(path.join(DIST, 'compute/tokenize-numbers.js'));
const { formatNumber } = require(path.join(DIST, 'compute/format-number.js'));
const { textAt } = require(path.join(DIST, 'compute/utf8-texts.js'));

const BATCH = 10_000;
const loaded = new Map();

function tokenizers(dir) {
  if (!loaded.has(dir))
    loaded.set(
      dir,
      Promise.all([NumberTokenizer.load(dir), Tokenizer.fromFile(path.join(dir, 'tokenizer.json'))]),
    );
  return loaded.get(dir);
}

function valuesOf(job) {
  if (job.values) return Float64Array.from(job.values);
  return Float64Array.from({ length: job.to - job.from }, (_, i) => job.from + i);
}

async function run(job) {
  const [ours, rust] = await tokenizers(job.dir);
  if (ours.choice.path !== job.path) throw new Error(`${job.dir} took the ${ours.choice.path} path`);
  const values = valuesOf(job);
  const tokens = tokenizeNumbers(ours, values, job.format);
  const mismatches = [];
  for (let from = 0; from < values.length; from += BATCH) {
    // the texts the reference is given are formatted here, apart from the batch's own
    const texts = Array.from(values.subarray(from, from + BATCH), (value) => formatNumber(value, job.format));
    const encodings = await rust.encodeBatch(texts, { addSpecialTokens: false });
    for (let k = 0; k < texts.length; k++) {
      const i = from + k;
      if (textAt(tokens.texts, i) !== texts[k])
        throw new Error(`number ${values[i]} is written "${textAt(tokens.texts, i)}", not "${texts[k]}"`);
      const expected = encodings[k].getIds();
      const start = tokens.offsets[i];
      const length = tokens.offsets[i + 1] - start;
      let same = length === expected.length;
      for (let t = 0; same && t < length; t++) same = tokens.ids[start + t] === expected[t];
      if (!same && mismatches.length < 5)
        mismatches.push({
          text: texts[k],
          ours: Array.from(tokens.ids.subarray(start, start + length)),
          expected,
        });
    }
  }
  return { checked: values.length, mismatches };
}

parentPort.on('message', (job) =>
  run(job).then(
    (result) => parentPort.postMessage({ result }),
    (error) => parentPort.postMessage({ error: String(error?.stack ?? error) }),
  ),
);
