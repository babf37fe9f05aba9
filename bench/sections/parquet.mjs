// c. Parquet writing: encodeParquet for each analysis's schema at 10^6 rows; @dsnp/parquetjs on the same rows.
import { Writable } from 'node:stream';
import { lib, median, now, require, round, row, seeded, unitVectors } from '../lib/common.mjs';

const ROWS = 1_000_000;
const PARQUETJS_ROWS = 100_000;
const METADATA = { 'tokensweep.bench': 'true' };

/**
 * Builds a realistic 10^6-row table per analysis (tokens: GPT-2's real tokenization of 0..999,999;
 * cosine-matrix: a real 1000×1000 tile of unit vectors; the others: their real number columns and
 * seeded random floats where the values are cosines or powers), then times encodeParquet on it.
 */
export async function parquetSection(ctx) {
  const { encodeParquet, encodeParquetWasm } = lib('output/parquet-file');
  const { nativeParquetSupports } = lib('output/native-parquet');
  const rowsTotal = ctx.quick ? ROWS / 10 : ROWS;
  const builders = await tableBuilders(ctx, rowsTotal);
  const rows = [];
  const details = {};
  for (const [analysis, build] of Object.entries(builders)) {
    const buildMs = [];
    const encodeMs = [];
    const wasmMs = [];
    let bytes = 0;
    let wasmBytes = 0;
    let table;
    // each run: build, encode (the native writer), encode by parquet-wasm (the writer it stands in for)
    for (let run = -1; run < 5; run++) {
      let start = now();
      table = await build();
      const built = now() - start;
      start = now();
      bytes = encodeParquet(table, METADATA).length;
      const encoded = now() - start;
      start = now();
      wasmBytes = encodeParquetWasm(table, METADATA).length;
      const wasmEncoded = now() - start;
      if (run >= 0) {
        buildMs.push(built);
        encodeMs.push(encoded);
        wasmMs.push(wasmEncoded);
      }
    }
    const count = table.numRows;
    const rate = count / (median(encodeMs) / 1000);
    const wasmRate = count / (median(wasmMs) / 1000);
    const native = nativeParquetSupports(table);
    details[analysis] = {
      rows: count,
      bytes,
      bytesPerRow: bytes / count,
      native,
      encodeMs,
      wasmMs,
      wasmBytes,
      buildMs,
      encodeRowsPerS: rate,
      buildRowsPerS: count / (median(buildMs) / 1000),
    };
    rows.push(
      row(
        `c.${analysis}`,
        `parquet ${analysis}: rows/s (encodeParquet, ${native ? 'native writer' : 'parquet-wasm'}, ${fmtRows(count)} rows)`,
        round(rate, 0),
        'rows/s',
        {
          anchor: 'parquet-wasm 0.8 (same settings)',
          anchorValue: round(wasmRate, 0),
          ratio: round(rate / wasmRate, 1),
          note: `${round(bytes / count, 2)} B/row zstd (parquet-wasm ${round(wasmBytes / count, 2)}); Arrow build ${round(count / (median(buildMs) / 1000) / 1e6, 2)} M rows/s`,
        },
      ),
    );
    if (analysis === 'tokens' || analysis === 'cosine-matrix') {
      const compared = await compareParquetjs(
        analysis,
        table,
        encodeParquet,
        ctx.quick ? PARQUETJS_ROWS / 10 : PARQUETJS_ROWS,
      );
      details[analysis].parquetjs = compared;
      rows.push(
        row(
          `c.${analysis}.parquetjs`,
          `parquet ${analysis}: parquet-wasm vs @dsnp/parquetjs (${fmtRows(compared.rows)} rows)`,
          round(compared.oursRowsPerS, 0),
          'rows/s',
          {
            anchor: `parquetjs 1.8.8 ${compared.codec}`,
            anchorValue: round(compared.parquetjsRowsPerS, 0),
            ratio: round(compared.oursRowsPerS / compared.parquetjsRowsPerS, 1),
            note: `B/row ${round(compared.oursBytesPerRow, 2)} (zstd) vs ${round(compared.parquetjsBytesPerRow, 2)}`,
          },
        ),
      );
    }
    table = undefined;
  }
  return { rows, details };
}

async function tableBuilders(ctx, count) {
  const { tokensTable } = lib('analyses/tokens');
  const { signSymmetryTable } = lib('analyses/sign-symmetry');
  const { cosineMatrixTile } = lib('analyses/cosine-matrix');
  const { CosineKernel } = lib('compute/cosine-kernel');
  const { tableOf } = lib('output/parquet-file');
  const { ANALYSIS_SCHEMAS } = lib('output/schemas');
  const { int64Column, float32Column, float64Column } = lib('output/arrow-columns');
  const { NumberTokenizer } = lib('models/tokenizer');
  const { utf8Texts } = lib('compute/utf8-texts');
  const tokenizer = await NumberTokenizer.load(ctx.modelDir);
  const tokens = await ctx.tokensOfRange(count);

  // GPT-2 plain: "-n" is "-" (id 12) followed by exactly the ids of n, so every pair matches
  const positives = tokens;
  const negatives = {
    values: tokens.values.map((v) => -v),
    texts: utf8Texts(Array.from(tokens.values, (v) => String(-v))),
    offsets: tokens.offsets.map((o, i) => o + i),
    ids: new Int32Array(tokens.ids.length + count),
  };
  for (let i = 0; i < count; i++) {
    negatives.ids[negatives.offsets[i]] = 12;
    negatives.ids.set(
      tokens.ids.subarray(tokens.offsets[i], tokens.offsets[i + 1]),
      negatives.offsets[i] + 1,
    );
  }

  const random = seeded(99);
  const numbers = Float64Array.from({ length: count + 1 }, (_, i) => i);
  const cosines = Float32Array.from({ length: count }, () => random() * 1.1 - 0.1);
  const valid = Uint8Array.from({ length: count }, (_, i) => (i % 1000 === 999 ? 0 : 1));
  const edge = Math.round(Math.sqrt(count));
  const kernel = new CosineKernel();
  const tile = {
    values: Float64Array.from({ length: edge }, (_, i) => i),
    dim: 768,
    vectors: unitVectors(edge, 768, 5),
  };
  const power = Float64Array.from({ length: count }, () => random());
  const total = power.reduce((a, b) => a + b, 0);

  return {
    tokens: () => tokensTable(tokens, tokenizer),
    'sign-symmetry': () => signSymmetryTable(positives, negatives),
    'successive-cosine': () =>
      tableOf(ANALYSIS_SCHEMAS['successive-cosine'], [
        int64Column(numbers.subarray(1)),
        int64Column(numbers.subarray(0, count)),
        float32Column(cosines, valid),
      ]),
    'cosine-matrix': () => cosineMatrixTile(tile, tile, kernel),
    fourier: () =>
      tableOf(ANALYSIS_SCHEMAS.fourier, [
        float64Column(Float64Array.from({ length: count }, (_, k) => (2 * count) / (k + 1))),
        float64Column(power),
        float64Column(power.map((p) => p / total)),
      ]),
  };
}

/** parquetjs (row by row, its fastest codec: it has no zstd) against encodeParquet on the first `count` rows of `table`. */
async function compareParquetjs(analysis, table, encodeParquet, count) {
  const parquet = require('@dsnp/parquetjs');
  const codec = 'SNAPPY';
  const head = table.slice(0, count);
  const objects = head.toArray().map((r) => r.toJSON());
  const schema =
    analysis === 'tokens'
      ? new parquet.ParquetSchema({
          number: { type: 'INT64', compression: codec },
          text: { type: 'UTF8', compression: codec },
          token_count: { type: 'INT32', compression: codec },
          token_ids: { type: 'INT32', repeated: true, compression: codec },
          tokens: { type: 'UTF8', repeated: true, compression: codec },
        })
      : new parquet.ParquetSchema({
          row: { type: 'INT64', compression: codec },
          col: { type: 'INT64', compression: codec },
          cosine: { type: 'FLOAT', compression: codec },
        });
  const records =
    analysis === 'tokens'
      ? objects.map((o) => ({
          number: o.number,
          text: o.text,
          token_count: o.token_count,
          token_ids: [...o.token_ids],
          tokens: [...o.tokens],
        }))
      : objects.map((o) => ({ row: o.row, col: o.col, cosine: o.cosine }));
  const parquetjsMs = [];
  let parquetjsBytes = 0;
  for (let run = -1; run < 5; run++) {
    let written = 0;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        written += chunk.length;
        done();
      },
    });
    const start = now();
    const writer = await parquet.ParquetWriter.openStream(schema, sink, { rowGroupSize: 1 << 20 });
    for (const record of records) await writer.appendRow(record);
    await writer.close();
    if (run >= 0) parquetjsMs.push(now() - start);
    parquetjsBytes = written;
  }
  const oursMs = [];
  let oursBytes = 0;
  for (let run = -1; run < 5; run++) {
    const start = now();
    oursBytes = encodeParquet(head, METADATA).length;
    if (run >= 0) oursMs.push(now() - start);
  }
  return {
    rows: count,
    codec,
    oursRowsPerS: count / (median(oursMs) / 1000),
    parquetjsRowsPerS: count / (median(parquetjsMs) / 1000),
    oursBytesPerRow: oursBytes / count,
    parquetjsBytesPerRow: parquetjsBytes / count,
    oursMs,
    parquetjsMs,
  };
}

const fmtRows = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
