// Where a chunk's time goes: one chunk of the benchmark sweep (the default chunk size), step by step, in this thread.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { lib, median, now, round, row } from '../lib/common.mjs';

const FROM = 500_000;
/** The default chunk size (DEFAULT_SPEC.chunkSize), as a sweep that does not set one is cut. */
const SIZE = lib('spec/sweep-spec').DEFAULT_SPEC.chunkSize;
const LABEL = `${SIZE / 1000}k chunk`;

/** What each of runChunk's steps (its `ChunkSteps` laps) covers, for the table. */
const STEPS = {
  tokenize: 'tokenize',
  tokens: 'tokens Arrow build',
  'sign-symmetry': 'sign-symmetry (scan + tokenize -n + build)',
  'successive-cosine': 'successive-cosine (embed + dots + build)',
  'part summary': 'part footers (summary of 3 parts)',
  'Parquet encode': 'Parquet encode (3 parts)',
  'file write': 'file write (3 parts, fsync)',
};

/**
 * The real chunk of the benchmark sweep, numbers 500,000..524,999 of 0..999,999 (plain, tokens +
 * sign-symmetry + successive-cosine, pooling mean), run by the library's own executor in this thread
 * with each of runChunk's steps timed: medians of 5 runs after a warm-up run that loads the model.
 * Then finishing the embedded sweep (summary.json from the parts), which the main thread does once
 * at the end.
 */
export async function chunkSection(ctx) {
  const { NumberTokenizer } = lib('models/tokenizer');
  const { loadEmbeddingMatrix } = lib('models/embeddings');
  const { tokenizeNumbers } = lib('compute/tokenize-numbers');
  const { poolInto, normalize } = lib('compute/number-embeddings');
  const { SuccessiveDots } = lib('compute/pooled-dots');
  const { successiveCosines } = lib('compute/successive-cosines');
  const { parseSweepSpec } = lib('spec/sweep-spec');
  const { openSweep } = lib('runtime/embedded-sweep');
  const { createExecutor } = lib('runtime/create-executor');
  const { ChunkSteps } = lib('chunk-steps');
  const { finishSweep } = lib('output/finish-sweep');

  // model loading on its own, as each thread does it once
  let start = now();
  const tokenizer = await NumberTokenizer.load(ctx.modelDir);
  const tokenizerLoadMs = now() - start;
  start = now();
  const matrix = await loadEmbeddingMatrix(ctx.modelDir);
  const embeddingLoadMs = now() - start;

  const from = ctx.quick ? 50_000 : FROM;
  const size = ctx.quick ? 5_000 : SIZE;
  const { spec, numbers } = parseSweepSpec(
    {
      models: [ctx.modelDir],
      numbers: ctx.quick ? '0..99999' : '0..999999',
      formats: ['plain'],
      analyses: ['tokens', 'sign-symmetry', 'successive-cosine'],
      pooling: 'mean',
      chunkSize: size,
    },
    { allowLocalModels: true },
  );
  const { record, tasks } = openSweep(spec, numbers);
  const task = tasks.find((t) => t.kind === 'numbers' && t.from === from);
  const job = { spec, specHash: record.specHash, task };
  const outDir = path.join(ctx.workDir, 'chunk');
  const executor = createExecutor(0, {
    locations: { hfHome: path.join(ctx.workDir, 'hf'), hfEndpoint: 'http://127.0.0.1:9', offline: true },
    allowLocalModels: true,
  });
  const steps = Object.fromEntries(Object.keys(STEPS).map((step) => [step, []]));
  const runChunkMs = [];
  let coldMs;
  for (let run = -1; run < 5; run++) {
    const timed = new ChunkSteps();
    const t = now();
    await executor.run(job, { kind: 'file', dir: outDir }, { steps: timed });
    if (run < 0) {
      coldMs = now() - t;
      continue;
    }
    runChunkMs.push(now() - t);
    for (const step of Object.keys(STEPS)) steps[step].push(timed.ms[step] ?? 0);
  }
  await executor.close();

  // the embedding step alone, as successive-cosine does it (native code, one call per chunk), alternated
  // with the JavaScript definition (one pass per number: sum, norm and dot) and with the way it was done
  // before that (mean-pool, normalize, then a dot with the previous)
  const embedMs = [];
  const jsEmbedMs = [];
  const formerEmbedMs = [];
  const values = numbers.slice(from - 1, from + size);
  const tokens = tokenizeNumbers(tokenizer, values, 'plain');
  let previous = new Float64Array(matrix.dim);
  let scratch = new Float64Array(matrix.dim);
  let sink = 0;
  for (let run = -1; run < 5; run++) {
    let t = now();
    const cosines = successiveCosines(tokens, matrix, 'mean');
    if (run >= 0) embedMs.push(now() - t);
    sink += cosines[cosines.length >> 1] || 0;
    t = now();
    const dots = new SuccessiveDots(matrix, 'mean');
    for (let i = 0; i < values.length; i++) sink += dots.next(tokens, i) || 0;
    if (run >= 0) jsEmbedMs.push(now() - t);
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

  let finishMs = null;
  let partCount = 0;
  if (ctx.embeddedOut) {
    const manifest = JSON.parse(await readFile(path.join(ctx.embeddedOut, 'manifest.json'), 'utf8'));
    const ended = { ...manifest, error: null };
    partCount = manifest.files.length;
    const t = now();
    await finishSweep(ctx.embeddedOut, ended);
    finishMs = now() - t;
  }

  const rows = Object.entries(medians).map(([step, ms]) =>
    row(`chunk.${step.split(' ')[0]}`, `${LABEL}: ${STEPS[step]}`, round(ms, 0), 'ms', {
      note:
        `${round((100 * ms) / sum, 0)}% of the steps` +
        (step === 'successive-cosine'
          ? `; the embedding step alone: native ${round(median(embedMs), 1)} ms, JavaScript (sum, norm, dot in one pass) ${Math.round(median(jsEmbedMs))} ms (${round(median(jsEmbedMs) / median(embedMs), 1)}×), as before (pool, normalize, dot) ${Math.round(median(formerEmbedMs))} ms`
          : ''),
    }),
  );
  rows.push(
    row('chunk.total', `${LABEL}: runChunk (warm model)`, round(median(runChunkMs), 0), 'ms', {
      note: `its steps add up to ${Math.round(sum)} ms; the first run, loading the model, ${Math.round(coldMs)} ms (tokenizer alone ${Math.round(tokenizerLoadMs)} ms, embeddings ${Math.round(embeddingLoadMs)} ms)`,
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
      jsEmbedMs,
      formerEmbedMs,
      runChunkMs,
      coldMs,
      tokenizerLoadMs,
      embeddingLoadMs,
      finishMs,
    },
  };
}
