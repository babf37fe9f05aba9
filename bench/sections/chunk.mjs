// Where a chunk's time goes: one 25k-number chunk of the benchmark sweep, step by step, in this thread.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { lib, median, now, round, row } from '../lib/common.mjs';

const FROM = 500_000;
const SIZE = 25_000;

/**
 * Re-enacts runChunk's steps for numbers 500,000..524,999 (plain, tokens + sign-symmetry +
 * successive-cosine, pooling mean) with each step timed: medians of 5 runs. Then runChunk itself on
 * the same chunk, to check that the steps add up, and finishing the embedded sweep (summary.json from
 * the parts), which the main thread does once at the end.
 */
export async function chunkSection(ctx) {
  const { NumberTokenizer } = lib('models/tokenizer');
  const { loadEmbeddingMatrix } = lib('models/embeddings');
  const { tokenizeNumbers, dropFirst } = lib('compute/tokenize-numbers');
  const { poolInto, normalize } = lib('compute/number-embeddings');
  const { SuccessiveDots } = lib('compute/pooled-dots');
  const { tokensTable } = lib('analyses/tokens');
  const { signSymmetryTable } = lib('analyses/sign-symmetry');
  const { successiveCosineTable } = lib('analyses/successive-cosine');
  const { encodeParquet } = lib('output/parquet-file');
  const { writeFileAtomically } = lib('output/sweep-layout');
  const { NumberSet } = lib('spec/number-set');
  const { runChunk } = lib('run-chunk');
  const { ModelCache } = lib('models/model-cache');
  const { finishSweep } = lib('output/finish-sweep');

  let start = now();
  const tokenizer = await NumberTokenizer.load(ctx.modelDir);
  const tokenizerLoadMs = now() - start;
  start = now();
  const matrix = await loadEmbeddingMatrix(ctx.modelDir);
  const embeddingLoadMs = now() - start;

  const numbers = NumberSet.parse(ctx.quick ? '0..99999' : '0..999999');
  const from = ctx.quick ? 50_000 : FROM;
  const size = ctx.quick ? 5_000 : SIZE;
  const outDir = path.join(ctx.workDir, 'chunk');
  const steps = {
    tokenize: [],
    'sign-symmetry (scan + tokenize + build)': [],
    'tokens Arrow build': [],
    'successive-cosine (embed + dots + build)': [],
    'Parquet encode (3 parts)': [],
    'file write (3 parts, fsync)': [],
  };
  const metadata = { 'tokensweep.bench': 'true' };
  for (let run = -1; run < 5; run++) {
    const times = {};
    let t = now();
    const lap = (step) => {
      const next = now();
      times[step] = next - t;
      t = next;
    };
    const values = numbers.slice(from - 1, from + size);
    const tokens = tokenizeNumbers(tokenizer, values, 'plain');
    const own = dropFirst(tokens);
    lap('tokenize');
    const positions = [];
    for (let i = 0; i < own.values.length; i++)
      if (own.values[i] >= 1 && numbers.has(-own.values[i])) positions.push(i);
    const positives = Float64Array.from(positions, (i) => own.values[i]);
    const sign = signSymmetryTable(
      tokenizeNumbers(tokenizer, positives, 'plain'),
      tokenizeNumbers(
        tokenizer,
        positives.map((v) => -v),
        'plain',
      ),
    );
    lap('sign-symmetry (scan + tokenize + build)');
    const tokensPart = tokensTable(own, tokenizer);
    lap('tokens Arrow build');
    const cosines = successiveCosineTable(tokens, matrix, 'mean');
    lap('successive-cosine (embed + dots + build)');
    const parts = [tokensPart, sign, cosines].map((table) => encodeParquet(table, metadata));
    lap('Parquet encode (3 parts)');
    for (const [i, bytes] of parts.entries()) await writeFileAtomically(outDir, `part-${i}.parquet`, bytes);
    lap('file write (3 parts, fsync)');
    if (run >= 0) for (const [step, ms] of Object.entries(times)) steps[step].push(ms);
  }
  // the embedding step alone, as successive-cosine does it (one pass per number: sum, norm and dot),
  // alternated with the way it was done before (mean-pool, normalize, then a dot with the previous)
  const embedMs = [];
  const formerEmbedMs = [];
  const values = numbers.slice(from - 1, from + size);
  const tokens = tokenizeNumbers(tokenizer, values, 'plain');
  let previous = new Float64Array(matrix.dim);
  let scratch = new Float64Array(matrix.dim);
  let sink = 0;
  for (let run = -1; run < 5; run++) {
    let t = now();
    const dots = new SuccessiveDots(matrix, 'mean');
    for (let i = 0; i < values.length; i++) sink += dots.next(tokens, i) || 0;
    if (run >= 0) embedMs.push(now() - t);
    t = now();
    for (let i = 0; i < values.length; i++) {
      const squaredNorm = poolInto(tokens, i, matrix, 'mean', scratch);
      if (squaredNorm > 0) normalize(scratch, squaredNorm);
      let dot = 0;
      for (let d = 0; d < matrix.dim; d++) dot += scratch[d] * previous[d];
      sink += dot || 0;
      [previous, scratch] = [scratch, previous];
    }
    if (run >= 0) formerEmbedMs.push(now() - t);
  }
  if (sink === 0.5) console.error(''); // keeps the loops' results alive
  const medians = Object.fromEntries(Object.entries(steps).map(([step, ms]) => [step, median(ms)]));
  const sum = Object.values(medians).reduce((a, b) => a + b, 0);

  // runChunk itself, with a warm model cache (as in a long-lived thread)
  const models = new ModelCache(
    { hfHome: path.join(ctx.workDir, 'hf'), hfEndpoint: 'http://127.0.0.1:9', offline: true },
    1,
    true,
  );
  const spec = {
    models: [ctx.modelDir],
    numbers: ctx.quick ? '0..99999' : '0..999999',
    formats: ['plain'],
    analyses: ['tokens', 'sign-symmetry', 'successive-cosine'],
    pooling: 'mean',
    plots: false,
    chunkSize: size,
    tileSize: 1024,
  };
  const job = {
    spec,
    specHash: 'bench',
    task: {
      kind: 'numbers',
      index: 0,
      model: ctx.modelDir,
      format: 'plain',
      part: 0,
      analyses: spec.analyses,
      from,
      to: from + size,
    },
  };
  const context = { sweepDir: outDir, models, numbers };
  await runChunk(job, context);
  const runChunkMs = [];
  for (let run = 0; run < 5; run++) {
    const t = now();
    await runChunk(job, context);
    runChunkMs.push(now() - t);
  }

  let finishMs = null;
  let partCount = 0;
  if (ctx.embeddedOut) {
    const manifest = JSON.parse(await readFile(path.join(ctx.embeddedOut, 'manifest.json'), 'utf8'));
    const record = { ...manifest, error: null };
    partCount = manifest.files.length;
    const t = now();
    await finishSweep(ctx.embeddedOut, record);
    finishMs = now() - t;
  }

  const rows = Object.entries(medians).map(([step, ms]) =>
    row(`chunk.${step.split(' ')[0]}`, `25k chunk: ${step}`, round(ms, 0), 'ms', {
      note:
        `${round((100 * ms) / sum, 0)}% of the steps` +
        (step.startsWith('successive')
          ? `; the embedding step alone (sum, norm, dot in one pass) ${Math.round(median(embedMs))} ms, as before (pool, normalize, dot) ${Math.round(median(formerEmbedMs))} ms`
          : ''),
    }),
  );
  rows.push(
    row('chunk.total', '25k chunk: runChunk (warm model)', round(median(runChunkMs), 0), 'ms', {
      note: `steps add up to ${Math.round(sum)} ms; model load once per thread: tokenizer ${Math.round(tokenizerLoadMs)} ms, embeddings ${Math.round(embeddingLoadMs)} ms`,
    }),
  );
  if (finishMs !== null) {
    rows.push(
      row(
        'chunk.finish',
        `finishing the embedded sweep (summary.json from its ${partCount} parts), main thread, once`,
        round(finishMs, 0),
        'ms',
      ),
    );
  }
  return {
    rows,
    details: {
      from,
      size,
      stepsMs: steps,
      medians,
      embedMs,
      formerEmbedMs,
      runChunkMs,
      tokenizerLoadMs,
      embeddingLoadMs,
      finishMs,
    },
  };
}
