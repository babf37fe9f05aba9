import { Data, DataType, Field, Schema, Table, tableToIPC } from '#arrow';
import { NativeGemm, nativeGemm } from '../compute/native-gemm';
import { ThriftWriter } from './thrift-writer';

/**
 * Parquet written by the native addon: each column chunk is one data page whose levels, values and
 * zstd compression are the addon's loops (native/src/parquet-pages.c), and the file around them —
 * page headers, the footer in Thrift, the Arrow schema readers restore types from — is written here.
 * It covers the types the analysis schemas hold (integers, floats, booleans and texts, required or
 * optional, and required lists of required integers or texts); `nativeParquetSupports` tells when a
 * table is one of them, and parquet-file.ts sends any other to parquet-wasm.
 *
 * The bytes follow what parquet-wasm writes with the same settings: integers as differences
 * (DELTA_BINARY_PACKED), everything else PLAIN, no dictionaries, zstd, min/max and null counts for
 * the top-level fixed-width columns only, one row group.
 */

/** zstd's level: the one parquet-wasm writes with (parquet-rs's default), about the same bytes. */
const ZSTD_LEVEL = 1;

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // PAR1

/** Parquet's numbers for what the footer names. */
const PhysicalType = { BOOLEAN: 0, INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const Encoding = { PLAIN: 0, RLE: 3, DELTA_BINARY_PACKED: 5 } as const;
const Repetition = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;
const ConvertedType = { UTF8: 0, LIST: 3 } as const;
const CODEC_ZSTD = 6;
const DATA_PAGE = 0;

/** A leaf column as the addon writes it, with where it sits in the Parquet schema. */
interface LeafColumn {
  field: Field;
  physical: number;
  encoding: number;
  list: boolean;
  optional: boolean;
  statistics: boolean;
}

let available: boolean | undefined;

/** Whether the addon is built and found a zstd library (libzstd.so.1) to compress with. */
export function nativeParquetAvailable(): boolean {
  if (available === undefined) {
    try {
      available = nativeGemm().zstdVersion() > 0;
    } catch {
      available = false;
    }
  }
  return available;
}

/** Whether `table` holds only what the native writer writes (and the writer can run here). */
export function nativeParquetSupports(table: Table): boolean {
  if (table.batches.length > 1 || !nativeParquetAvailable()) return false;
  return table.schema.fields.every((field) => {
    if (leafType(field.type) !== null) return !hasNulls(table, field) || field.nullable;
    if (!DataType.isList(field.type)) return false;
    const item = (field.type.children as Field[])[0];
    return (
      !field.nullable &&
      !item.nullable &&
      (DataType.isInt(item.type) || DataType.isUtf8(item.type)) &&
      leafType(item.type) !== null &&
      !hasNulls(table, field)
    );
  });
}

/** The Parquet bytes of `table` (see `nativeParquetSupports`), with `metadata` in the footer. */
export function encodeNativeParquet(
  table: Table,
  metadata: Record<string, string>,
  statisticsColumns: string[],
): Uint8Array {
  const native = nativeGemm();
  const batch = table.batches[0];
  const rows = table.numRows;
  const leaves = table.schema.fields.map((field) => leafOf(field, statisticsColumns.includes(field.name)));
  const parts: Uint8Array[] = [MAGIC];
  let offset = MAGIC.length;
  const chunks: ColumnChunk[] = [];
  leaves.forEach((leaf, index) => {
    const data: Data | undefined = batch?.data.children[index];
    const [page, uncompressed, values, nulls, min, max] = encodePage(native, leaf, data, rows);
    const statistics = leaf.statistics ? { nulls, min, max } : null;
    const header = pageHeader(uncompressed, page.length, values, leaf, statistics);
    chunks.push({
      leaf,
      offset,
      values,
      compressed: header.length + page.length,
      uncompressed: header.length + uncompressed,
      statistics,
    });
    parts.push(header, page);
    offset += header.length + page.length;
  });
  const footer = fileMetaData(table.schema, leaves, chunks, rows, {
    ...metadata,
    'ARROW:schema': arrowSchemaOf(table.schema),
  });
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, footer.length, true);
  parts.push(footer, length, MAGIC);
  return concat(parts, offset + footer.length + 8);
}

interface Statistics {
  nulls: number;
  min: Uint8Array | null;
  max: Uint8Array | null;
}

interface ColumnChunk {
  leaf: LeafColumn;
  offset: number;
  values: number;
  compressed: number;
  uncompressed: number;
  statistics: Statistics | null;
}

/** The physical type of a top-level (or list item) Arrow type the writer takes, or null. */
function leafType(type: DataType): number | null {
  if (DataType.isInt(type) && type.isSigned && (type.bitWidth === 32 || type.bitWidth === 64))
    return type.bitWidth === 32 ? PhysicalType.INT32 : PhysicalType.INT64;
  if (DataType.isFloat(type) && type.precision !== 0)
    return type.precision === 1 ? PhysicalType.FLOAT : PhysicalType.DOUBLE;
  if (DataType.isBool(type)) return PhysicalType.BOOLEAN;
  if (DataType.isUtf8(type)) return PhysicalType.BYTE_ARRAY;
  return null;
}

/** Whether a column holds a null, or for a list, whether its lists or their items do. */
function hasNulls(table: Table, field: Field): boolean {
  const column = table.getChild(field.name);
  if (!column) return false;
  return column.data.some((data) => data.nullCount > 0 || (data.children[0]?.nullCount ?? 0) > 0);
}

function leafOf(field: Field, statistics: boolean): LeafColumn {
  const list = DataType.isList(field.type);
  const type = list ? (field.type.children as Field[])[0].type : field.type;
  const physical = leafType(type)!;
  const integer = physical === PhysicalType.INT32 || physical === PhysicalType.INT64;
  return {
    field,
    physical,
    // integer columns as differences; a list's items plain, as parquet-wasm writes them
    encoding: integer && !list ? Encoding.DELTA_BINARY_PACKED : Encoding.PLAIN,
    list,
    optional: !list && field.nullable,
    statistics,
  };
}

/** The addon's page of one column: its Arrow buffers as they lie (a slice's offsets included). */
function encodePage(
  native: NativeGemm,
  leaf: LeafColumn,
  data: Data | undefined,
  rows: number,
): ReturnType<NativeGemm['encodeParquetPage']> {
  const values = leaf.list ? data?.children[0] : data;
  const listOffsets = leaf.list && data ? (data.valueOffsets as Int32Array).subarray(0, rows + 1) : null;
  const text = leaf.physical === PhysicalType.BYTE_ARRAY;
  const bits = leaf.physical === PhysicalType.BOOLEAN;
  const validity = leaf.optional && data && data.nullCount > 0 ? (data.nullBitmap ?? null) : null;
  return native.encodeParquetPage(
    leaf.physical,
    leaf.encoding,
    rows,
    leaf.optional,
    text ? null : ((values?.values as Int32Array | undefined) ?? emptyValues(leaf.physical)),
    bits && values ? values.offset : 0,
    text ? ((values?.valueOffsets as Int32Array | undefined) ?? new Int32Array(1)) : null,
    text ? ((values?.values as Uint8Array | undefined) ?? new Uint8Array(0)) : null,
    validity,
    data?.offset ?? 0,
    listOffsets ?? (leaf.list ? new Int32Array(rows + 1) : null),
    ZSTD_LEVEL,
  );
}

/** The values of a column of no rows (a table without batches). */
function emptyValues(
  physical: number,
): Int32Array | BigInt64Array | Float32Array | Float64Array | Uint8Array {
  switch (physical) {
    case PhysicalType.INT32:
      return new Int32Array(0);
    case PhysicalType.INT64:
      return new BigInt64Array(0);
    case PhysicalType.FLOAT:
      return new Float32Array(0);
    case PhysicalType.DOUBLE:
      return new Float64Array(0);
    default:
      return new Uint8Array(0);
  }
}

function pageHeader(
  uncompressed: number,
  compressed: number,
  values: number,
  leaf: LeafColumn,
  statistics: Statistics | null,
): Uint8Array {
  const writer = new ThriftWriter();
  writer.structBody(() => {
    writer.i32(1, DATA_PAGE).i32(2, uncompressed).i32(3, compressed);
    writer.struct(5, () => {
      writer.i32(1, values).i32(2, leaf.encoding).i32(3, Encoding.RLE).i32(4, Encoding.RLE);
      if (statistics) writer.struct(5, () => writeStatistics(writer, statistics, leaf.physical));
    });
  });
  return writer.finish();
}

/**
 * Statistics as parquet-rs writes them: min/max in min_value/max_value (6, 5) with the null count,
 * and for the types of signed order (all but booleans) in the deprecated fields too (1, 2; what
 * DuckDB's `stats_min` shows), whose order was only ever signed.
 */
function writeStatistics(writer: ThriftWriter, { nulls, min, max }: Statistics, physical: number): void {
  if (max && min && physical !== PhysicalType.BOOLEAN) writer.binary(1, max).binary(2, min);
  writer.i64(3, nulls);
  if (max && min) writer.binary(5, max).binary(6, min);
}

function fileMetaData(
  schema: Schema,
  leaves: LeafColumn[],
  chunks: ColumnChunk[],
  rows: number,
  metadata: Record<string, string>,
): Uint8Array {
  const writer = new ThriftWriter();
  const uncompressed = chunks.reduce((sum, chunk) => sum + chunk.uncompressed, 0);
  const compressed = chunks.reduce((sum, chunk) => sum + chunk.compressed, 0);
  writer.structBody(() => {
    writer.i32(1, 1);
    writer.structList(2, schemaElements(schema, leaves), (write) => write(writer));
    writer.i64(3, rows);
    writer.structList(4, [chunks], (columns) => {
      writer.structList(1, columns, (chunk) => {
        writer.i64(2, chunk.offset);
        writer.struct(3, () => {
          writer.i32(1, chunk.leaf.physical);
          writer.i32List(
            2,
            levelsOf(chunk.leaf) ? [chunk.leaf.encoding, Encoding.RLE] : [chunk.leaf.encoding],
          );
          writer.stringList(3, pathOf(chunk.leaf));
          writer.i32(4, CODEC_ZSTD);
          writer.i64(5, chunk.values).i64(6, chunk.uncompressed).i64(7, chunk.compressed);
          writer.i64(9, chunk.offset);
          if (chunk.statistics)
            writer.struct(12, () => writeStatistics(writer, chunk.statistics!, chunk.leaf.physical));
        });
      });
      writer
        .i64(2, uncompressed)
        .i64(3, rows)
        .i64(5, chunks[0]?.offset ?? MAGIC.length);
      writer.i64(6, compressed).i16(7, 0);
    });
    writer.structList(5, Object.entries(metadata), ([key, value]) => {
      writer.string(1, key).string(2, value);
    });
    writer.string(6, 'tokensweep');
    // every column's min/max are ordered by its type (signed integers, floats, booleans)
    writer.structList(7, leaves, () => writer.struct(1, () => {}));
  });
  return writer.finish();
}

function levelsOf(leaf: LeafColumn): boolean {
  return leaf.list || leaf.optional;
}

function pathOf(leaf: LeafColumn): string[] {
  return leaf.list ? [leaf.field.name, 'list', 'item'] : [leaf.field.name];
}

/** The schema's elements, depth first: the root, each column, and a list's three levels. */
function schemaElements(schema: Schema, leaves: LeafColumn[]): ((writer: ThriftWriter) => void)[] {
  const elements: ((writer: ThriftWriter) => void)[] = [
    (w) => w.string(4, 'arrow_schema').i32(5, schema.fields.length),
  ];
  for (const leaf of leaves) {
    const text = leaf.physical === PhysicalType.BYTE_ARRAY;
    const leafElement = (name: string, repetition: number) => (w: ThriftWriter) => {
      w.i32(1, leaf.physical).i32(3, repetition).string(4, name);
      if (text) w.i32(6, ConvertedType.UTF8).struct(10, () => w.struct(1, () => {}));
    };
    if (!leaf.list) {
      elements.push(leafElement(leaf.field.name, leaf.optional ? Repetition.OPTIONAL : Repetition.REQUIRED));
      continue;
    }
    elements.push(
      (w) =>
        w
          .i32(3, Repetition.REQUIRED)
          .string(4, leaf.field.name)
          .i32(5, 1)
          .i32(6, ConvertedType.LIST)
          .struct(10, () => w.struct(3, () => {})),
      (w) => w.i32(3, Repetition.REPEATED).string(4, 'list').i32(5, 1),
      leafElement('item', Repetition.REQUIRED),
    );
  }
  return elements;
}

const arrowSchemas = new WeakMap<Schema, string>();

/**
 * The Arrow schema as Arrow's Parquet writers store it (`ARROW:schema`): the IPC schema message,
 * after its continuation marker and length, in base64. Readers restore the exact Arrow types from it.
 */
function arrowSchemaOf(schema: Schema): string {
  let encoded = arrowSchemas.get(schema);
  if (encoded === undefined) {
    const stream = tableToIPC(new Table(schema), 'stream');
    const length = new DataView(stream.buffer, stream.byteOffset + 4, 4).getInt32(0, true);
    encoded = Buffer.from(stream.buffer, stream.byteOffset, 8 + length).toString('base64');
    arrowSchemas.set(schema, encoded);
  }
  return encoded;
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
