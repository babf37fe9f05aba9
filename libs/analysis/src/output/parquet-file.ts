import { openAsBlob } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  Data,
  DataType,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
} from '#arrow';
import { createRequire } from 'node:module';
import type * as ParquetWasm from 'parquet-wasm/node';
import { encodeNativeParquet, nativeParquetSupports } from './native-parquet';

/** The one adapter over parquet-wasm: Arrow tables to Parquet bytes and back. */

let wasmModule: typeof ParquetWasm | undefined;

/**
 * parquet-wasm, loaded when first needed: a process that only writes the analyses' parts (every
 * chunk thread) never compiles its 5 MB of WebAssembly.
 */
function parquetWasm(): typeof ParquetWasm {
  return (wasmModule ??= createRequire(__filename)('parquet-wasm/node') as typeof ParquetWasm);
}

/** An Arrow table of `schema` from column data in schema order. */
export function tableOf(schema: Schema, columns: Data[]): Table {
  const length = columns[0]?.length ?? 0;
  const data = makeData({ type: new Struct(schema.fields), length, children: columns });
  return new Table([new RecordBatch(schema, data)]);
}

/**
 * Parquet bytes (zstd) of an Arrow table, with string key-value metadata in the footer: written by
 * the native addon when the table holds only what it writes (every analysis schema does), else by
 * parquet-wasm (`encodeParquetWasm`), with the same settings:
 *
 * Without dictionary encoding: a part's columns are numbers, their texts and cosines, each nearly
 * unique, so the writer's dictionaries fill up and fall back to plain pages after doing the work of
 * building them. Plain pages under zstd are less than half the bytes of the dictionary-encoded ones
 * for the `tokens` and `successive-cosine` parts, and take about 40% less time to write.
 *
 * Min/max statistics are kept for the fixed-width columns (numbers, counts, flags, cosines), which
 * readers prune parts and pages with (`WHERE number BETWEEN …`), and left out for texts and lists,
 * whose min/max no query filters on: computing them was a tenth of the encoding time.
 */
export function encodeParquet(table: Table, metadata: Record<string, string>): Uint8Array {
  return nativeParquetSupports(table)
    ? encodeNativeParquet(table, metadata, columnsWithStatistics(table.schema))
    : encodeParquetWasm(table, metadata);
}

/** `encodeParquet` by parquet-wasm, whatever the table holds. */
export function encodeParquetWasm(table: Table, metadata: Record<string, string>): Uint8Array {
  const {
    Compression,
    EnabledStatistics,
    Encoding,
    Table: WasmTable,
    writeParquet,
    WriterPropertiesBuilder,
  } = parquetWasm();
  let builder = new WriterPropertiesBuilder()
    .setCompression(Compression.ZSTD)
    .setDictionaryEnabled(false)
    .setStatisticsEnabled(EnabledStatistics.None)
    .setCreatedBy('tokensweep')
    .setKeyValueMetadata(new Map(Object.entries(metadata)))
    .setMaxRowGroupSize(1 << 20);
  // parquet-wasm names a column by one path component, so only top-level columns can be set apart
  for (const column of columnsWithStatistics(table.schema))
    builder = builder.setColumnStatisticsEnabled(column, EnabledStatistics.Page);
  for (const column of deltaEncodedColumns(table.schema))
    builder = builder.setColumnEncoding(column, Encoding.DELTA_BINARY_PACKED);
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), builder.build());
}

/**
 * The integer columns, written as differences (DELTA_BINARY_PACKED, which every Parquet reader of
 * the last years decodes): a part's numbers run in steps, so their differences pack into a few bits
 * each. The `number` column of a 25k-number part takes 2 KB instead of 27 KB, in a third of the time.
 */
function deltaEncodedColumns(schema: Schema): string[] {
  return schema.fields.filter((field) => DataType.isInt(field.type)).map((field) => field.name);
}

/** The columns whose min/max a part keeps: the top-level fixed-width ones (not texts, lists or structs). */
export function columnsWithStatistics(schema: Schema): string[] {
  return schema.fields.filter((field) => fixedWidth(field.type)).map((field) => field.name);
}

function fixedWidth(type: DataType): boolean {
  return DataType.isInt(type) || DataType.isFloat(type) || DataType.isBool(type);
}

/** Reads a Parquet file (optionally only some columns) as an Arrow table. */
export async function readParquetTable(file: string, columns?: string[]): Promise<Table> {
  const wasm = parquetWasm().readParquet(await readFile(file), columns ? { columns } : undefined);
  return tableFromIPC(wasm.intoIPCStream());
}

/** Decodes Parquet bytes (optionally only some columns) as an Arrow table. */
export function decodeParquetTable(bytes: Uint8Array, columns?: string[]): Table {
  return tableFromIPC(
    parquetWasm()
      .readParquet(bytes, columns ? { columns } : undefined)
      .intoIPCStream(),
  );
}

/** Row count and key-value metadata from a Parquet footer, without reading the data pages. */
export async function readParquetInfo(
  file: string,
): Promise<{ rows: number; metadata: Record<string, string> }> {
  const parquet = await parquetWasm().ParquetFile.fromFile(await openAsBlob(file));
  try {
    const info = parquet.metadata().fileMetadata();
    return { rows: info.numRows(), metadata: Object.fromEntries(info.keyValueMetadata()) };
  } finally {
    parquet.free();
  }
}
