// The pipeline a user would write instead of tokensweep, as the bench's anchor: one process, one
// zstd Parquet file per analysis, Hugging Face's Rust `tokenizers` (encodeBatch in batches of 10,000),
// apache-arrow and parquet-wasm, the embedding read with a plain safetensors header parse, and the
// cosine matrix as a straightforward float32 loop.
//
//   node bench/anchors/one-process.mjs MODEL_DIR FROM TO OUT_DIR ANALYSIS[,ANALYSIS…] [POOLING]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { Tokenizer } = require('tokenizers');
const {
  tableFromArrays,
  tableToIPC,
  vectorFromArray,
  List,
  Int32,
  Utf8,
  Field,
  makeTable,
  makeData,
  makeVector,
} = require('apache-arrow');
const { Table: WasmTable, writeParquet, WriterPropertiesBuilder, Compression } = require('parquet-wasm/node');

const [modelDir, fromText, toText, outDir, analysesText, pooling = 'none'] = process.argv.slice(2);
const from = Number(fromText);
const to = Number(toText);
const analyses = analysesText.split(',');
mkdirSync(outDir, { recursive: true });

function writeParquetFile(name, table) {
  const properties = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).build();
  writeFileSync(
    path.join(outDir, `${name}.parquet`),
    writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), properties),
  );
}

const tokenizer = Tokenizer.fromFile(path.join(modelDir, 'tokenizer.json'));
const numbers = Array.from({ length: to - from + 1 }, (_, i) => from + i);
async function encode(values) {
  const ids = [];
  const pieces = [];
  for (let b = 0; b < values.length; b += 10_000) {
    const batch = await tokenizer.encodeBatch(values.slice(b, b + 10_000).map(String), {
      addSpecialTokens: false,
    });
    for (const encoding of batch) {
      ids.push(encoding.getIds());
      pieces.push(encoding.getTokens());
    }
  }
  return { ids, pieces };
}
const { ids, pieces } = await encode(numbers);

// list columns built from flat arrays and offsets, as apache-arrow's docs build them
function listOf(type, child, offsets) {
  return makeVector(
    makeData({
      type: new List(new Field('item', type)),
      length: offsets.length - 1,
      valueOffsets: offsets,
      child,
    }),
  );
}
function tokensTable() {
  const offsets = new Int32Array(ids.length + 1);
  ids.forEach((i, k) => (offsets[k + 1] = offsets[k] + i.length));
  const flat = new Int32Array(offsets[ids.length]);
  ids.forEach((i, k) => flat.set(i, offsets[k]));
  const pieceVector = vectorFromArray(pieces.flat(), new Utf8());
  return makeTable({
    number: BigInt64Array.from(numbers, BigInt),
    text: vectorFromArray(numbers.map(String), new Utf8()),
    token_count: Int32Array.from(ids, (i) => i.length),
    token_ids: listOf(new Int32(), makeData({ type: new Int32(), length: flat.length, data: flat }), offsets),
    tokens: listOf(new Utf8(), pieceVector.data[0], offsets),
  });
}
if (analyses.includes('tokens')) writeParquetFile('tokens', tokensTable());

if (analyses.includes('sign-symmetry')) {
  const index = new Map(numbers.map((n, i) => [n, i]));
  const rows = numbers.filter((n) => n >= 1 && index.has(-n));
  const countMatch = rows.map((n) => ids[index.get(-n)].length === ids[index.get(n)].length + 1);
  const idsMatch = rows.map(
    (n, k) => countMatch[k] && ids[index.get(n)].every((id, t) => id === ids[index.get(-n)][t + 1]),
  );
  writeParquetFile(
    'sign-symmetry',
    tableFromArrays({
      number: BigInt64Array.from(rows, BigInt),
      count_match: countMatch,
      ids_match: idsMatch,
    }),
  );
}

const needsEmbedding = analyses.includes('successive-cosine') || analyses.includes('cosine-matrix');
if (needsEmbedding) embeddingAnalyses();

function embeddingAnalyses() {
  const file = readFileSync(path.join(modelDir, 'model.safetensors'));
  const headerLength = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString());
  const name = Object.keys(header).find((k) => /wte|embed_tokens/.test(k));
  const [rows, dim] = header[name].shape;
  const [begin] = header[name].data_offsets;
  const matrix = new Float32Array(
    file.buffer.slice(
      file.byteOffset + 8 + headerLength + begin,
      file.byteOffset + 8 + headerLength + begin + rows * dim * 4,
    ),
  );
  // the unit vector of each number: the mean of its tokens' rows (pooling mean) or its single token's
  const unit = ids.map((tokenIds) => {
    if (tokenIds.length === 0 || (pooling === 'none' && tokenIds.length !== 1)) return null;
    const v = new Float64Array(dim);
    for (const id of tokenIds) for (let d = 0; d < dim; d++) v[d] += matrix[id * dim + d] / tokenIds.length;
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    return norm > 0 ? v.map((x) => x / norm) : null;
  });
  if (analyses.includes('successive-cosine')) {
    const cosine = [];
    for (let i = 1; i < numbers.length; i++) {
      const a = unit[i - 1];
      const b = unit[i];
      cosine.push(a && b ? a.reduce((s, x, d) => s + x * b[d], 0) : null);
    }
    writeParquetFile(
      'successive-cosine',
      tableFromArrays({
        number: BigInt64Array.from(numbers.slice(1), BigInt),
        previous: BigInt64Array.from(numbers.slice(0, -1), BigInt),
        cosine: vectorFromArray(cosine),
      }),
    );
  }
  if (analyses.includes('cosine-matrix')) matrixAnalysis(unit, dim);
}

function matrixAnalysis(unit, dim) {
  {
    const kept = numbers.filter((_, i) => unit[i]);
    const vectors = unit.filter(Boolean).map((v) => Float32Array.from(v));
    const n = kept.length;
    const rowColumn = new BigInt64Array(n * n);
    const colColumn = new BigInt64Array(n * n);
    const cosine = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      const a = vectors[i];
      for (let j = 0; j < n; j++) {
        const b = vectors[j];
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += a[d] * b[d];
        rowColumn[i * n + j] = BigInt(kept[i]);
        colColumn[i * n + j] = BigInt(kept[j]);
        cosine[i * n + j] = dot;
      }
    }
    writeParquetFile('cosine-matrix', tableFromArrays({ row: rowColumn, col: colColumn, cosine }));
  }
}
