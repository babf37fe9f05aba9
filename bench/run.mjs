// `npm run bench`: tokensweep's performance, each figure beside its anchor measured in the same run.
//
//   node bench/run.mjs [--only throughput,tokenize,matmul,parquet,embedded,chunk,distributed,api] [--quick]
//                      [--wait-quiet SECONDS] [--quiet-load 1.5] [--out bench/results.json]
//                      [--baseline GIT-REF]
//
// Prints one table (Markdown) and writes results.json: the machine, the load average before each
// section, every figure and the raw timings behind it. --quick shrinks every case tenfold to try the
// suite out; its figures are not comparable and it writes no results.json unless --out is given.
// --baseline builds an earlier commit beside this one; the distributed section then runs the same
// sweeps on both, alternately, so "as fast as before" is measured in one run.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { lib, loadAverage, machine, now, REPO, waitForQuiet } from './lib/common.mjs';
import { prepareBaseline } from './lib/baseline.mjs';
import { Stack } from './lib/processes.mjs';
import { apiSection } from './sections/api.mjs';
import { chunkSection } from './sections/chunk.mjs';
import { distributedSection } from './sections/distributed.mjs';
import { embeddedSection } from './sections/embedded.mjs';
import { matmulSection } from './sections/matmul.mjs';
import { parquetSection } from './sections/parquet.mjs';
import { throughputSection } from './sections/throughput.mjs';
import { tokenizeSection } from './sections/tokenize.mjs';

const SECTIONS = {
  throughput: throughputSection,
  tokenize: tokenizeSection,
  matmul: matmulSection,
  parquet: parquetSection,
  embedded: embeddedSection,
  chunk: chunkSection,
  distributed: distributedSection,
  api: apiSection,
};
const NEEDS_STACK = new Set(['distributed', 'api']);

const { values: options } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'wait-quiet': { type: 'string', default: '0' },
    'quiet-load': { type: 'string', default: '1.5' },
    out: { type: 'string' },
    baseline: { type: 'string' },
  },
});
const log = (line) => process.stderr.write(`${line}\n`);

async function main() {
  const chosen = options.only ? options.only.split(',') : Object.keys(SECTIONS);
  const unknown = chosen.filter((name) => !SECTIONS[name]);
  if (unknown.length)
    throw new Error(`unknown section ${unknown.join(', ')}; choose from ${Object.keys(SECTIONS).join(', ')}`);
  const quietLoad = Number(options['quiet-load']);
  const waitQuiet = Number(options['wait-quiet']);
  const outFile = options.out ?? (options.quick ? null : path.join(REPO, 'bench/results.json'));

  const started = now();
  const results = {
    date: new Date().toISOString(),
    machine: machine(),
    options: { sections: chosen, quick: options.quick },
    sections: {},
    table: [],
  };
  log(
    `tokensweep bench on ${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}; load ${fmtLoad(results.machine.loadAtStart)}`,
  );
  if (waitQuiet > 0) {
    const quiet = await waitForQuiet(quietLoad, waitQuiet, log);
    results.machine.loadAfterWaiting = { ...quiet.load, waitedS: quiet.waitedS };
  }

  const workDir = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-bench-'));
  const ctx = await context(workDir, options.quick);
  ctx.results = results.sections;
  let failed = false;
  try {
    if (options.baseline) {
      ctx.baseline = await prepareBaseline(options.baseline, workDir, log);
      results.baseline = { ref: ctx.baseline.ref, commit: ctx.baseline.commit };
    }
    for (const name of chosen) {
      if (NEEDS_STACK.has(name) && !ctx.stack) {
        ctx.stack = await Stack.start({
          modelsDir: path.dirname(ctx.modelDir),
          env: { RATE_LIMIT_PER_MINUTE: '0' },
        });
      }
      const loadBefore = loadAverage();
      log(`\n== ${name} (load ${fmtLoad(loadBefore)})`);
      const start = now();
      try {
        const { rows, details } = await SECTIONS[name](ctx);
        results.sections[name] = { loadBefore, seconds: +((now() - start) / 1000).toFixed(1), details };
        results.table.push(...rows);
        for (const r of rows)
          log(
            `  ${r.what}: ${r.value} ${r.unit}${r.anchor ? ` (${r.anchor}: ${r.anchorValue}, ×${r.ratio})` : ''}`,
          );
      } catch (error) {
        failed = true;
        results.sections[name] = {
          loadBefore,
          seconds: +((now() - start) / 1000).toFixed(1),
          error: error.stack ?? String(error),
        };
        log(`  ${name} failed: ${error.stack ?? error}`);
      }
      log(`  (${results.sections[name].seconds} s)`);
    }
  } finally {
    await ctx.stack?.close();
    await ctx.baseline?.remove();
    await rm(workDir, { recursive: true, force: true });
  }
  results.seconds = +((now() - started) / 1000).toFixed(1);
  results.loadAtEnd = loadAverage();
  process.stdout.write(`${markdownTable(results)}\n`);
  if (outFile) {
    await writeFile(outFile, JSON.stringify(results, null, 2) + '\n');
    log(`\nwrote ${path.relative(process.cwd(), outFile)} (${results.seconds} s in all)`);
  }
  if (failed) process.exitCode = 1;
}

/** The shared state of the sections: a GPT-2 model directory (real tokenizer, seeded 768-wide embeddings) and its work space. */
async function context(workDir, quick) {
  const { writeDemoModel } = lib('demo/demo-model');
  const modelDir = path.join(workDir, 'models', 'gpt2');
  await writeDemoModel(modelDir, { dim: 768, seed: 7 });
  const kept = [];
  return {
    quick,
    workDir,
    modelDir,
    // the tokenization section keeps GPT-2's plain tokens of the range for the Parquet section
    keepTokens: (block) => kept.push(block),
    tokensOfRange: async (count) => {
      const have = kept.reduce((n, block) => n + block.values.length, 0);
      if (have >= count && kept[0]?.values[0] === 0) return merge(kept, count);
      const { NumberTokenizer } = lib('models/tokenizer');
      const { tokenizeNumbers } = lib('compute/tokenize-numbers');
      const tokenizer = await NumberTokenizer.load(modelDir);
      return tokenizeNumbers(
        tokenizer,
        Float64Array.from({ length: count }, (_, i) => i),
        'plain',
      );
    },
  };
}

/** Contiguous tokenization blocks as one, cut at `count` numbers. */
function merge(blocks, count) {
  const values = new Float64Array(count);
  const offsets = new Int32Array(count + 1);
  const ends = new Int32Array(count + 1);
  const ids = [];
  const bytes = [];
  let at = 0;
  let base = 0;
  let textBase = 0;
  for (const block of blocks) {
    const take = Math.min(block.values.length, count - at);
    if (take <= 0) break;
    values.set(block.values.subarray(0, take), at);
    for (let i = 0; i < take; i++) {
      offsets[at + i + 1] = base + block.offsets[i + 1];
      ends[at + i + 1] = textBase + block.texts.ends[i + 1];
    }
    ids.push(block.ids.subarray(0, block.offsets[take]));
    bytes.push(block.texts.bytes.subarray(0, block.texts.ends[take]));
    base += block.offsets[take];
    textBase += block.texts.ends[take];
    at += take;
  }
  return { values, texts: { bytes: concat(bytes, Uint8Array), ends }, offsets, ids: concat(ids, Int32Array) };
}

/** Typed arrays end to end in one of `type`. */
function concat(parts, type) {
  const out = new type(parts.reduce((n, part) => n + part.length, 0));
  let used = 0;
  for (const part of parts) {
    out.set(part, used);
    used += part.length;
  }
  return out;
}

const fmtLoad = (load) => `${load.one.toFixed(2)} ${load.five.toFixed(2)} ${load.fifteen.toFixed(2)}`;

function markdownTable(results) {
  const m = results.machine;
  const cell = (v) => (v === null || v === undefined ? '' : String(v).replace(/\|/g, '\\|'));
  const lines = [
    `tokensweep bench, ${results.date.slice(0, 10)}: ${m.cpu}, ${m.cores} cores, Node ${m.node}, load at start ${fmtLoad(m.loadAtStart)}${results.options.quick ? ' (QUICK: not comparable)' : ''}`,
    '',
    '| # | measurement | value | anchor | anchor value | ratio | goal | notes |',
    '|---|---|---:|---|---:|---:|---|---|',
  ];
  for (const r of results.table) {
    const goal = r.goal ? `${r.goal} ${r.pass ? '✔' : '✘'}` : '';
    lines.push(
      `| ${r.id} | ${cell(r.what)} | ${cell(r.value)} ${r.unit} | ${cell(r.anchor)} | ${cell(r.anchorValue)} | ${r.ratio === null ? '' : `${r.ratio}×`} | ${goal} | ${cell(r.note)} |`,
    );
  }
  for (const [name, section] of Object.entries(results.sections)) {
    if (section.error) lines.push(`| ${name} | FAILED: ${cell(section.error.split('\n')[0])} | | | | | | |`);
  }
  lines.push(
    '',
    `load before each section: ${Object.entries(results.sections)
      .map(([n, s]) => `${n} ${s.loadBefore.one.toFixed(2)}`)
      .join(', ')}; ${results.seconds} s in all`,
  );
  return lines.join('\n');
}

main().catch((error) => {
  log(error.stack ?? String(error));
  process.exitCode = 1;
});
