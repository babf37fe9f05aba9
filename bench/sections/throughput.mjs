// t. Throughput against what a user would write instead: whole processes (`node bin/tokensweep.js`,
// as an installed binary runs) alternated with the one-process pipeline of bench/anchors, and
// tokenizing alone against tiktoken's WASM gpt2 encoding and Rust tokenizers' encodeBatch.
import { createRequire } from 'node:module';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { lib, now, REPO, round, row } from '../lib/common.mjs';
import { runMeasured } from '../lib/processes.mjs';

const require = createRequire(path.join(REPO, 'package.json'));
const ANCHOR = path.join(REPO, 'bench/anchors/one-process.mjs');

/** Runs `ours` and `anchor` alternately `runs` times each; the best wall time of each (the least disturbed by other load). */
async function sideBySide(ours, anchor, runs) {
  const times = { ours: [], anchor: [], oursPeakMiB: 0, anchorPeakMiB: 0 };
  for (let run = 0; run < runs; run++) {
    const a = await ours();
    times.ours.push(a.wallS);
    times.oursPeakMiB = Math.max(times.oursPeakMiB, a.peakMiB);
    const b = await anchor();
    times.anchor.push(b.wallS);
    times.anchorPeakMiB = Math.max(times.anchorPeakMiB, b.peakMiB);
  }
  return { ...times, oursS: Math.min(...times.ours), anchorS: Math.min(...times.anchor) };
}

export async function throughputSection(ctx) {
  const { writeDemoModel } = lib('demo/demo-model');
  const llamaDir = path.join(ctx.workDir, 'models', 'llama3');
  await writeDemoModel(llamaDir, { family: 'llama3', withoutWeights: true });
  const runs = ctx.quick ? 1 : 2;
  const last = ctx.quick ? 99_999 : 999_999;
  const matrixLast = ctx.quick ? 1023 : 4095;
  const out = (name) => path.join(ctx.workDir, `throughput-${name}`);
  const tokensweep = (name, args) => async () => {
    const result = await runMeasured(process.execPath, [
      'bin/tokensweep.js',
      'run',
      '--out',
      out(name),
      '--force',
      ...args,
    ]);
    await rm(out(name), { recursive: true, force: true });
    return result;
  };
  const anchor = (name, args) => async () => {
    const result = await runMeasured(process.execPath, [
      ANCHOR,
      ...args.slice(0, 3),
      out(name),
      ...args.slice(3),
    ]);
    await rm(out(name), { recursive: true, force: true });
    return result;
  };
  const rows = [];
  const details = {};

  for (const [family, dir] of [
    ['gpt2', ctx.modelDir],
    ['llama3', llamaDir],
  ]) {
    const result = await sideBySide(
      tokensweep(`tokens-${family}`, ['--model', dir, '--numbers', `0..${last}`, '--analysis', 'tokens']),
      anchor(`anchor-tokens-${family}`, [dir, '0', String(last), 'tokens']),
      runs,
    );
    details[`tokens-${family}`] = result;
    const ratio = result.anchorS / result.oursS;
    rows.push(
      row(`t.tokens.${family}`, `tokens 0..${last} ${family}, whole process`, round(result.oursS, 2), 's', {
        anchor: 'Rust tokenizers encodeBatch + Arrow + zstd Parquet',
        anchorValue: round(result.anchorS, 2),
        ratio: round(ratio, 2),
        goal: '≥ 3×, ≤ 1 GB',
        pass: ratio >= 3 && result.oursPeakMiB <= 1024,
        note: `peak RSS ${Math.round(result.oursPeakMiB)} MiB (anchor ${Math.round(result.anchorPeakMiB)} MiB)`,
      }),
    );
  }

  const matrix = await sideBySide(
    tokensweep('matrix', [
      '--model',
      ctx.modelDir,
      '--numbers',
      `0..${matrixLast}`,
      '--analysis',
      'cosine-matrix',
      '--pooling',
      'mean',
    ]),
    anchor('anchor-matrix', [ctx.modelDir, '0', String(matrixLast), 'cosine-matrix', 'mean']),
    runs,
  );
  details.matrix = matrix;
  rows.push(
    row(
      't.matrix',
      `cosine-matrix 0..${matrixLast} (mean, width 768), whole process`,
      round(matrix.oursS, 2),
      's',
      {
        anchor: 'one process, float32 loop, one Parquet file',
        anchorValue: round(matrix.anchorS, 2),
        ratio: round(matrix.anchorS / matrix.oursS, 2),
        goal: '≥ 2.5×',
        pass: matrix.anchorS / matrix.oursS >= 2.5,
        note: `peak RSS ${Math.round(matrix.oursPeakMiB)} MiB`,
      },
    ),
  );

  const defaults = await sideBySide(
    tokensweep('default', ['--model', ctx.modelDir]),
    anchor('anchor-default', [
      ctx.modelDir,
      '-1000',
      '1000',
      'tokens,sign-symmetry,successive-cosine,cosine-matrix',
    ]),
    runs,
  );
  const inline = await sideBySide(
    tokensweep('default-0', ['--model', ctx.modelDir, '--threads', '0']),
    tokensweep('default-1', ['--model', ctx.modelDir, '--threads', '1']),
    runs,
  );
  details.defaults = { defaults, inline };
  rows.push(
    row(
      't.default',
      'the default sweep (4 analyses, -1000..1000, width 768), whole process',
      round(defaults.oursS, 2),
      's',
      {
        anchor: 'one-process script of the same four analyses',
        anchorValue: round(defaults.anchorS, 2),
        ratio: round(defaults.anchorS / defaults.oursS, 2),
        goal: '≥ 1.3×',
        pass: defaults.anchorS / defaults.oursS >= 1.3,
        note: `--threads 0: ${round(inline.oursS, 2)} s, --threads 1: ${round(inline.anchorS, 2)} s`,
      },
    ),
  );

  rows.push(...(await tokenizeAlone(ctx, llamaDir, details)));
  return { rows, details };
}

/** Numbers per second per core: ours in each family, against tiktoken's gpt2 on the same numbers, in alternating 100k blocks. */
async function tokenizeAlone(ctx, llamaDir, details) {
  const { NumberTokenizer } = lib('models/tokenizer');
  const { tokenizeNumbers } = lib('compute/tokenize-numbers');
  const { writeDemoModel } = lib('demo/demo-model');
  const { get_encoding } = require('tiktoken');
  const qwenDir = path.join(ctx.workDir, 'models', 'qwen3');
  await writeDemoModel(qwenDir, { family: 'qwen3', withoutWeights: true });
  const tiktoken = get_encoding('gpt2');
  const ours = {
    gpt2: await NumberTokenizer.load(ctx.modelDir),
    llama3: await NumberTokenizer.load(llamaDir),
    qwen3: await NumberTokenizer.load(qwenDir),
  };
  const range = ctx.quick ? 100_000 : 1_000_000;
  const block = 100_000;
  const spent = { gpt2: 0, llama3: 0, qwen3: 0, tiktoken: 0 };
  let mismatches = 0;
  for (let from = 0; from < range; from += block) {
    const values = Float64Array.from({ length: block }, (_, i) => from + i);
    const results = {};
    for (const family of Object.keys(ours)) {
      const start = now();
      results[family] = tokenizeNumbers(ours[family], values, 'plain');
      spent[family] += now() - start;
    }
    const start = now();
    const theirs = new Array(block);
    for (let i = 0; i < block; i++) theirs[i] = tiktoken.encode_ordinary(String(values[i]));
    spent.tiktoken += now() - start;
    const { offsets, ids } = results.gpt2;
    for (let i = 0; i < block; i++) {
      const mine = ids.subarray(offsets[i], offsets[i + 1]);
      if (mine.length !== theirs[i].length || mine.some((id, t) => id !== theirs[i][t])) mismatches++;
    }
  }
  tiktoken.free();
  const rate = Object.fromEntries(Object.entries(spent).map(([k, ms]) => [k, range / (ms / 1000)]));
  details.tokenize = { rate, mismatches, spentMs: spent };
  const ratio = rate.gpt2 / rate.tiktoken;
  return [
    row('t.tokenize.gpt2', `tokenize GPT-2 plain 0..${range - 1}, one thread`, round(rate.gpt2, 0), 'n/s', {
      anchor: 'tiktoken gpt2 (WASM)',
      anchorValue: round(rate.tiktoken, 0),
      ratio: round(ratio, 2),
      goal: '≥ 1M n/s, ≥ 3×',
      pass: rate.gpt2 >= 1e6 && ratio >= 3,
      note: `ids equal on all: ${mismatches === 0 ? 'yes' : `NO (${mismatches})`}`,
    }),
    row('t.tokenize.llama3', `tokenize Llama 3 plain, one thread`, round(rate.llama3, 0), 'n/s', {
      anchor: 'GPT-2 (ours)',
      anchorValue: round(rate.gpt2, 0),
      ratio: round(rate.llama3 / rate.gpt2, 2),
      goal: '≥ 1×',
      pass: rate.llama3 >= rate.gpt2,
    }),
    row('t.tokenize.qwen3', `tokenize Qwen 3 plain, one thread`, round(rate.qwen3, 0), 'n/s', {
      anchor: 'GPT-2 (ours)',
      anchorValue: round(rate.gpt2, 0),
      ratio: round(rate.qwen3 / rate.gpt2, 2),
      goal: '≥ 1×',
      pass: rate.qwen3 >= rate.gpt2,
    }),
  ];
}
