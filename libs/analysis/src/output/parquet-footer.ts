import { SweepStorage } from '../storage/sweep-storage';
import { ThriftType } from './thrift-writer';

/**
 * A Parquet file's row count and key-value metadata, from its footer alone: the size, then the tail
 * by absolute byte ranges (every object store serves those; suffix ranges are served wrongly by
 * some), decoded here. parquet-wasm's own reader also loads the page indexes, which lie before the
 * footer, so it cannot read a footer on its own.
 */

const MAGIC = 'PAR1';
/** Most footers fit in the first read (a part's is 1–3 KB); a larger one takes a second. */
const TAIL_GUESS = 16 * 1024;

export interface ParquetInfo {
  rows: number;
  metadata: Record<string, string>;
  bytes: number;
}

/**
 * Reads the footer of `relative` in `storage` (two or three small reads, never the data pages).
 * `knownSize` is the object's size when a listing just gave it: the first read is then skipped.
 */
export async function readParquetFooter(
  storage: SweepStorage,
  relative: string,
  knownSize?: number,
): Promise<ParquetInfo> {
  const where = `${storage.location}/${relative}`;
  const size = knownSize ?? (await storage.size(relative));
  if (size === null) throw new Error(`${where} does not exist`);
  if (size < 12) throw new Error(`${where} is not a Parquet file (${size} bytes)`);
  const tailStart = Math.max(0, size - TAIL_GUESS);
  let tail = await storage.readRange(relative, tailStart, size);
  if (Buffer.from(tail.subarray(tail.length - 4)).toString('latin1') !== MAGIC)
    throw new Error(`${where} is not a Parquet file (no PAR1 at its end)`);
  const length = new DataView(tail.buffer, tail.byteOffset + tail.length - 8, 4).getUint32(0, true);
  const footerStart = size - 8 - length;
  if (footerStart < 4) throw new Error(`${where}: its footer length ${length} does not fit the file`);
  if (footerStart < tailStart) tail = await storage.readRange(relative, footerStart, size);
  const footer = tail.subarray(tail.length - 8 - length, tail.length - 8);
  return { ...decodeFileMetaData(footer), bytes: size };
}

/** Parquet's FileMetaData: field 3 is num_rows (i64), field 5 key_value_metadata (list<KeyValue>). */
export function decodeFileMetaData(bytes: Uint8Array): { rows: number; metadata: Record<string, string> } {
  const reader = new CompactReader(bytes);
  let rows = 0;
  const metadata: Record<string, string> = {};
  reader.struct((id, type) => {
    if (id === 3 && type === ThriftType.I64) rows = reader.integer();
    else if (id === 5 && type === ThriftType.List) {
      const { size } = reader.listHeader();
      for (let i = 0; i < size; i++) {
        let key = '';
        let value = '';
        reader.struct((kvId, kvType) => {
          if (kvId === 1 && kvType === ThriftType.Binary) key = reader.text();
          else if (kvId === 2 && kvType === ThriftType.Binary) value = reader.text();
          else reader.skip(kvType);
        });
        metadata[key] = value;
      }
    } else reader.skip(type);
  });
  return { rows, metadata };
}

class CompactReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** Reads a struct's fields, handing each (id, type) to `field`, which must consume its value. */
  struct(field: (id: number, type: number) => void): void {
    let last = 0;
    for (;;) {
      const header = this.byte();
      const type = header & 0x0f;
      if (type === ThriftType.Stop) return;
      const delta = header >> 4;
      last = delta === 0 ? this.zigzag() : last + delta;
      field(last, type);
    }
  }

  listHeader(): { size: number; type: number } {
    const header = this.byte();
    const short = header >> 4;
    return { size: short === 15 ? this.varint() : short, type: header & 0x0f };
  }

  /** A zigzag varint (i16, i32, i64) as a number: row counts stay far below 2^53. */
  integer(): number {
    return this.zigzag();
  }

  text(): string {
    const length = this.varint();
    const start = this.offset;
    this.offset += length;
    if (this.offset > this.bytes.length) throw new Error('Parquet footer: a string runs past its end');
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, length).toString('utf8');
  }

  skip(type: number): void {
    switch (type) {
      case ThriftType.True:
      case ThriftType.False:
        return; // a field's boolean lives in its type
      case ThriftType.Byte:
        this.offset += 1;
        return;
      case ThriftType.I16:
      case ThriftType.I32:
      case ThriftType.I64:
        this.varint();
        return;
      case ThriftType.Double:
        this.offset += 8;
        return;
      case ThriftType.Binary: {
        // the length first: `offset += varint()` would add it to the offset from before the varint
        const length = this.varint();
        this.offset += length;
        return;
      }
      case ThriftType.List:
      case ThriftType.Set: {
        const { size, type: element } = this.listHeader();
        for (let i = 0; i < size; i++) this.skipElement(element);
        return;
      }
      case ThriftType.Map: {
        const size = this.varint();
        if (size === 0) return;
        const types = this.byte();
        for (let i = 0; i < size; i++) {
          this.skipElement(types >> 4);
          this.skipElement(types & 0x0f);
        }
        return;
      }
      case ThriftType.Struct:
        this.struct((_, fieldType) => this.skip(fieldType));
        return;
      default:
        throw new Error(`Parquet footer: unknown Thrift type ${type} at byte ${this.offset}`);
    }
  }

  /** Inside lists and maps, a boolean takes a byte of its own. */
  private skipElement(type: number): void {
    if (type === ThriftType.True || type === ThriftType.False) this.offset += 1;
    else this.skip(type);
  }

  private byte(): number {
    if (this.offset >= this.bytes.length) throw new Error('Parquet footer: it ends too early');
    return this.bytes[this.offset++];
  }

  private varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
  }

  private zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }
}
