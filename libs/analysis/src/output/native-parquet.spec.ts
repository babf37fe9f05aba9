import { DuckDBInstance } from '@duckdb/node-api';
import {
  Bool,
  Data,
  DataType,
  Field,
  Int32,
  List,
  makeData,
  Schema,
  Table,
  tableFromArrays,
  Utf8,
} from '#arrow';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeGemm } from '../compute/native-gemm';
import { seededUniform } from '../compute/seeded-random';
import { encodeNativeParquet, nativeParquetAvailable, nativeParquetSupports } from './native-parquet';
import {
  columnsWithStatistics,
  decodeParquetTable,
  encodeParquet,
  encodeParquetWasm,
  tableOf,
} from './parquet-file';
import { ANALYSIS_SCHEMAS } from './schemas';

/**
 * The native writer is held to parquet-wasm, the writer it stands in for: for every analysis schema,
 * on rows made to reach its edges (nulls in runs and alone, empty lists and texts, multi-byte UTF-8,
 * integers at their extremes, a part of a batch sliced off), the rows parquet-wasm and DuckDB read
 * from its file are the rows they read from parquet-wasm's own, and so are the statistics.
 */

/** `count` rows for `schema`, from `seed`: every type the analysis schemas hold. */
function randomTable(schema: Schema, count: number, seed: number): Table {
  const random = seededUniform(seed);
  const nulls = (field: Field) => (field.nullable ? nullPattern(count, random) : null);
  return tableOf(
    schema,
    schema.fields.map((field) => randomColumn(field.type, count, random, nulls(field))),
  );
}

/** Validity with nulls alone, in runs shorter and longer than 8, and long runs of values. */
function nullPattern(count: number, random: () => number): Uint8Array {
  const valid = new Uint8Array(count).fill(1);
  for (let i = 0; i < count;) {
    const run = [1, 3, 7, 8, 9, 17, 40][Math.floor(random() * 7)];
    const isNull = random() < 0.4;
    for (let k = 0; k < run && i < count; k++, i++) valid[i] = isNull ? 0 : 1;
  }
  return valid;
}

function bitmapOf(valid: Uint8Array): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(valid.length / 8));
  let nullCount = 0;
  valid.forEach((v, i) => {
    if (v) nullBitmap[i >> 3] |= 1 << (i & 7);
    else nullCount++;
  });
  return { nullBitmap, nullCount };
}

const PIECES = ['', '0', '12', ' 345', '-', ',', 'é', '数字', '🙂', 'abcdefghijklmnopqrstuvwxyz'];

function randomStrings(count: number, random: () => number): string[] {
  return Array.from({ length: count }, () => {
    let s = '';
    for (let k = Math.floor(random() * 4); k > 0; k--) s += PIECES[Math.floor(random() * PIECES.length)];
    return s;
  });
}

function utf8Data(strings: string[], valid: Uint8Array | null): Data<Utf8> {
  const encoder = new TextEncoder();
  const encoded = strings.map((s, i) => (valid && !valid[i] ? new Uint8Array(0) : encoder.encode(s)));
  const valueOffsets = new Int32Array(strings.length + 1);
  encoded.forEach((bytes, i) => (valueOffsets[i + 1] = valueOffsets[i] + bytes.length));
  const data = new Uint8Array(valueOffsets[strings.length]);
  encoded.forEach((bytes, i) => data.set(bytes, valueOffsets[i]));
  return makeData({
    type: new Utf8(),
    length: strings.length,
    valueOffsets,
    data,
    ...(valid ? bitmapOf(valid) : {}),
  });
}

function randomColumn(type: DataType, count: number, random: () => number, valid: Uint8Array | null): Data {
  const validity = valid ? bitmapOf(valid) : {};
  if (DataType.isInt(type) && type.bitWidth === 64) {
    // runs of steps (small differences), then jumps to the ends of the range (differences of 64 bits)
    const values = new BigInt64Array(count);
    for (let i = 0; i < count; i++)
      values[i] =
        random() < 0.05
          ? (random() < 0.5 ? -1n : 1n) * (2n ** 62n + BigInt(Math.floor(random() * 1e9)))
          : BigInt(i * 7 - 1000);
    return makeData({ type, length: count, data: values, ...validity });
  }
  if (DataType.isInt(type)) {
    const values = new Int32Array(count);
    for (let i = 0; i < count; i++)
      values[i] =
        random() < 0.05 ? (random() < 0.5 ? -(2 ** 31) : 2 ** 31 - 1) : Math.floor(random() * 50_000);
    return makeData({ type, length: count, data: values, ...validity });
  }
  if (DataType.isFloat(type)) {
    const values = type.precision === 1 ? new Float32Array(count) : new Float64Array(count);
    for (let i = 0; i < count; i++) values[i] = (random() * 2 - 1) * (random() < 0.1 ? 1e30 : 1);
    return makeData({ type, length: count, data: values, ...validity } as never);
  }
  if (DataType.isBool(type)) {
    const bits = new Uint8Array(Math.ceil(count / 8));
    for (let i = 0; i < count; i++) if (random() < 0.5) bits[i >> 3] |= 1 << (i & 7);
    return makeData({ type: new Bool(), length: count, data: bits, ...validity });
  }
  if (DataType.isUtf8(type)) return utf8Data(randomStrings(count, random), valid);
  if (DataType.isList(type)) {
    const item = (type as List).children[0].type;
    const valueOffsets = new Int32Array(count + 1);
    // empty lists now and then, as a number never has but a list column may
    for (let i = 0; i < count; i++) valueOffsets[i + 1] = valueOffsets[i] + Math.floor(random() * 5);
    const child = randomColumn(item, valueOffsets[count], random, null);
    return makeData({ type: type as List, length: count, valueOffsets, child });
  }
  throw new Error(`no generator for ${type}`);
}

/** Every value of `table` in a form `toEqual` compares exactly (float bits, BigInts, lists, nulls). */
function rowsOf(table: Table): unknown[][] {
  const plain = (value: unknown): unknown => {
    if (value === null || value === undefined) return null;
    if (typeof value === 'bigint') return `${value}n`;
    if (typeof value === 'number') return Object.is(value, -0) ? '-0' : Number.isNaN(value) ? 'NaN' : value;
    if (typeof value === 'object' && value !== null && 'toArray' in value)
      return Array.from((value as { toArray(): ArrayLike<unknown> }).toArray(), plain);
    return value;
  };
  return table.schema.fields.map((field) => {
    const column = table.getChild(field.name)!;
    return Array.from({ length: table.numRows }, (_, i) => plain(column.get(i)));
  });
}

function fieldsOf(schema: Schema): unknown[] {
  const describe = (field: Field): unknown => ({
    name: field.name,
    type: String(field.type),
    nullable: field.nullable,
    children: (field.type.children ?? []).map(describe),
  });
  return schema.fields.map(describe);
}

describe('encodeNativeParquet', () => {
  it('runs here: the addon is built and found zstd (libzstd.so.1, which every Debian system has)', () => {
    expect(nativeParquetAvailable(), 'the native Parquet writer needs the addon and libzstd.so.1').toBe(true);
  });

  let dir: string;
  let db: DuckDBInstance;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tokensweep-native-parquet-'));
    db = await DuckDBInstance.create(':memory:');
  });
  afterAll(async () => {
    db.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  /** Both writers' files of `table`, and what DuckDB reads of each. */
  async function bothWriters(name: string, table: Table) {
    const metadata = { 'tokensweep.test': name };
    const native = encodeNativeParquet(table, metadata, columnsWithStatistics(table.schema));
    const wasm = encodeParquetWasm(table, metadata);
    const files = {
      native: path.join(dir, `${name}.native.parquet`),
      wasm: path.join(dir, `${name}.wasm.parquet`),
    };
    await writeFile(files.native, native);
    await writeFile(files.wasm, wasm);
    return { native, wasm, files };
  }

  async function query(sql: string): Promise<Record<string, unknown>[]> {
    const connection = await db.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    } finally {
      connection.closeSync();
    }
  }

  for (const [analysis, schema] of Object.entries(ANALYSIS_SCHEMAS)) {
    it(`writes ${analysis} rows that parquet-wasm and DuckDB read as from parquet-wasm's file`, async () => {
      const table = randomTable(schema, 3001, analysis.length * 7919);
      expect(nativeParquetSupports(table)).toBe(true);
      const { native, wasm, files } = await bothWriters(analysis, table);

      const fromNative = decodeParquetTable(native);
      const fromWasm = decodeParquetTable(wasm);
      expect(fieldsOf(fromNative.schema)).toEqual(fieldsOf(schema));
      expect(rowsOf(fromNative)).toEqual(rowsOf(fromWasm));
      expect(rowsOf(fromNative)).toEqual(rowsOf(table));

      const [a, b] = [`read_parquet('${files.native}')`, `read_parquet('${files.wasm}')`];
      const differ = await query(
        `SELECT (SELECT count(*) FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}))::INTEGER AS missing,
                (SELECT count(*) FROM (SELECT * FROM ${b} EXCEPT ALL SELECT * FROM ${a}))::INTEGER AS extra,
                (SELECT count(*) FROM ${a})::INTEGER AS n`,
      );
      expect(differ).toEqual([{ missing: 0, extra: 0, n: 3001 }]);

      const stats = (file: string) =>
        query(
          `SELECT path_in_schema, stats_min, stats_max, stats_min_value, stats_max_value, stats_null_count
           FROM parquet_metadata('${file}') ORDER BY column_id`,
        );
      expect(await stats(files.native)).toEqual(await stats(files.wasm));
      const footer = await query(
        `SELECT decode(value) AS value FROM parquet_kv_metadata('${files.native}') WHERE decode(key) = 'tokensweep.test'`,
      );
      expect(footer).toEqual([{ value: analysis }]);
    });
  }

  it('writes a slice of a batch (its buffers start before its rows) as the rows of the slice', async () => {
    const table = randomTable(ANALYSIS_SCHEMAS.neighbors, 2000, 11).slice(333, 1777);
    const lists = randomTable(ANALYSIS_SCHEMAS.tokens, 2000, 12).slice(501, 1502);
    for (const [name, sliced] of Object.entries({ neighbors: table, tokens: lists })) {
      expect(nativeParquetSupports(sliced)).toBe(true);
      const { native, wasm } = await bothWriters(`slice-${name}`, sliced);
      expect(rowsOf(decodeParquetTable(native))).toEqual(rowsOf(decodeParquetTable(wasm)));
      expect(rowsOf(decodeParquetTable(native))).toEqual(rowsOf(sliced));
    }
  });

  it('writes a table of no rows with its schema', async () => {
    for (const [analysis, schema] of Object.entries(ANALYSIS_SCHEMAS)) {
      const empty = randomTable(schema, 0, 1);
      const { native, files } = await bothWriters(`empty-${analysis}`, empty);
      const back = decodeParquetTable(native);
      expect(back.numRows).toBe(0);
      expect(fieldsOf(back.schema)).toEqual(fieldsOf(schema));
      expect(await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${files.native}')`)).toEqual([
        { n: 0 },
      ]);
    }
  });

  it('keeps NaN, infinities and signed zeros, and bounds them as parquet-wasm does (a zero min as -0)', async () => {
    const schema = ANALYSIS_SCHEMAS['cosine-matrix'];
    const cases = {
      special: [0, -0, Number.NaN, Infinity, -Infinity, 0.5, -0.25],
      zeros: [0, 0, 0.5, 1, 2, 3, 4],
      negativeZeroMax: [-0, -1, -2, -3, -0.5, -0.25, -4],
    };
    for (const [name, values] of Object.entries(cases)) {
      const floats = Float32Array.from(values);
      const table = tableOf(schema, [
        makeData({ type: schema.fields[0].type, length: 7, data: new BigInt64Array(7) }),
        makeData({ type: schema.fields[1].type, length: 7, data: new BigInt64Array(7) }),
        makeData({ type: schema.fields[2].type, length: 7, data: floats } as never),
      ]);
      const { native, files } = await bothWriters(`floats-${name}`, table);
      expect(rowsOf(decodeParquetTable(native))[2]).toEqual(rowsOf(table)[2]);
      const bounds = (file: string) =>
        query(
          `SELECT stats_min, stats_max, stats_min_value, stats_max_value FROM parquet_metadata('${file}') WHERE path_in_schema = 'cosine'`,
        );
      expect(await bounds(files.native)).toEqual(await bounds(files.wasm));
    }
    const { files } = await bothWriters(
      'zero-bounds',
      tableOf(schema, [
        makeData({ type: schema.fields[0].type, length: 2, data: new BigInt64Array(2) }),
        makeData({ type: schema.fields[1].type, length: 2, data: new BigInt64Array(2) }),
        makeData({ type: schema.fields[2].type, length: 2, data: Float32Array.from([0, 1]) } as never),
      ]),
    );
    expect(
      await query(
        `SELECT stats_min_value FROM parquet_metadata('${files.native}') WHERE path_in_schema = 'cosine'`,
      ),
    ).toEqual([{ stats_min_value: '-0.0' }]);
  });

  it('leaves a table it does not cover to parquet-wasm, which encodeParquet then writes', () => {
    // tableFromArrays makes dictionary-encoded texts, which the native writer does not write
    const table = tableFromArrays({ text: ['a', 'b', 'a'], n: Int32Array.from([1, 2, 3]) });
    expect(nativeParquetSupports(table)).toBe(false);
    expect(decodeParquetTable(encodeParquet(table, {})).numRows).toBe(3);
    const required = new Schema([new Field('n', ANALYSIS_SCHEMAS.neighbors.fields[1].type, false)]);
    const withNulls = tableOf(required, [
      makeData({
        type: required.fields[0].type,
        length: 2,
        data: new Int32Array(2),
        ...bitmapOf(Uint8Array.from([1, 0])),
      }),
    ]);
    expect(nativeParquetSupports(withNulls)).toBe(false);
    // a list whose items hold a null its schema says they cannot
    const ids = makeData({
      type: new Int32(),
      length: 2,
      data: new Int32Array(2),
      ...bitmapOf(Uint8Array.from([1, 0])),
    });
    const lists = makeData({
      type: ANALYSIS_SCHEMAS.tokens.fields[3].type as List,
      length: 1,
      valueOffsets: Int32Array.from([0, 2]),
      child: ids,
    });
    expect(nativeParquetSupports(tableOf(new Schema([ANALYSIS_SCHEMAS.tokens.fields[3]]), [lists]))).toBe(
      false,
    );
  });
});

describe('encodeParquetPage', () => {
  const native = nativeGemm();
  const page = (overrides: Partial<Record<string, unknown>>) => {
    const a = {
      type: 1,
      encoding: 0,
      rows: 4,
      optional: false,
      values: new Int32Array(4),
      bitOffset: 0,
      offsets: null,
      data: null,
      validity: null,
      validityOffset: 0,
      listOffsets: null,
      level: 1,
      ...overrides,
    } as unknown as Record<string, never>;
    return () =>
      native.encodeParquetPage(
        a.type,
        a.encoding,
        a.rows,
        a.optional,
        a.values,
        a.bitOffset,
        a.offsets,
        a.data,
        a.validity,
        a.validityOffset,
        a.listOffsets,
        a.level,
      );
  };

  it('refuses buffers shorter than the rows and offsets they are read by, naming them', () => {
    expect(page({ values: new Int32Array(3) })).toThrow(/values must hold a value for every row/);
    expect(page({ values: new Float32Array(4) })).toThrow(/values must be the typed array of the type/);
    expect(page({ type: 6, offsets: Int32Array.from([0, 1, 2, 3, 9]), data: new Uint8Array(4) })).toThrow(
      /data must be a Uint8Array holding every value's bytes/,
    );
    expect(page({ type: 6, offsets: Int32Array.from([0, 2, 1, 3, 4]), data: new Uint8Array(4) })).toThrow(
      /offsets must start at 0 or more and never go back/,
    );
    expect(page({ listOffsets: Int32Array.from([0, 1, 2]) })).toThrow(
      /listOffsets must be an Int32Array of rows \+ 1/,
    );
    expect(page({ listOffsets: Int32Array.from([0, 1, 2, 3, 5]) })).toThrow(
      /values must hold a value for every row/,
    );
    expect(page({ optional: true, validity: new Uint8Array(0) })).toThrow(
      /validity must be an optional column's bitmap/,
    );
    expect(page({ encoding: 5, type: 4, values: new Float32Array(4) })).toThrow(
      /DELTA_BINARY_PACKED for INT32 and INT64/,
    );
    expect(page({})).not.toThrow();
  });
});
