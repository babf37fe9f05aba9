/**
 * Thrift's compact protocol, written: what Parquet's page headers and footer are made of
 * (parquet-footer.ts reads it). Fields are written in the order given, which must be increasing ids
 * within a struct, as every Parquet struct is written.
 */

/** Compact-protocol type codes, for the writer here and the reader in parquet-footer.ts. */
export enum ThriftType {
  Stop = 0,
  True = 1,
  False = 2,
  Byte = 3,
  I16 = 4,
  I32 = 5,
  I64 = 6,
  Double = 7,
  Binary = 8,
  List = 9,
  Set = 10,
  Map = 11,
  Struct = 12,
}

const textEncoder = new TextEncoder();

export class ThriftWriter {
  private bytes = new Uint8Array(512);
  private length = 0;
  /** The last field id of each struct being written, innermost last. */
  private readonly lastIds: number[] = [0];

  /** The bytes written so far. */
  finish(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** A struct field: `body` writes its fields. */
  struct(id: number, body: () => void): this {
    this.header(id, ThriftType.Struct);
    return this.structBody(body);
  }

  /** A struct's fields and its stop byte, without a field header (the file's root, list elements). */
  structBody(body: () => void): this {
    this.lastIds.push(0);
    body();
    this.byte(ThriftType.Stop);
    this.lastIds.pop();
    return this;
  }

  i32(id: number, value: number): this {
    this.header(id, ThriftType.I32);
    return this.zigzag(value);
  }

  i16(id: number, value: number): this {
    this.header(id, ThriftType.I16);
    return this.zigzag(value);
  }

  /** An i64 that is a safe integer (sizes, offsets and counts all are). */
  i64(id: number, value: number): this {
    this.header(id, ThriftType.I64);
    return this.zigzag(value);
  }

  binary(id: number, value: Uint8Array): this {
    this.header(id, ThriftType.Binary);
    return this.bytesValue(value);
  }

  string(id: number, value: string): this {
    return this.binary(id, textEncoder.encode(value));
  }

  /** A list of i32 values (Parquet's enums). */
  i32List(id: number, values: number[]): this {
    this.listHeader(id, ThriftType.I32, values.length);
    for (const value of values) this.zigzag(value);
    return this;
  }

  stringList(id: number, values: string[]): this {
    this.listHeader(id, ThriftType.Binary, values.length);
    for (const value of values) this.bytesValue(textEncoder.encode(value));
    return this;
  }

  /** A list of structs: `body` writes the fields of each. */
  structList<T>(id: number, items: T[], body: (item: T) => void): this {
    this.listHeader(id, ThriftType.Struct, items.length);
    for (const item of items) this.structBody(() => body(item));
    return this;
  }

  private listHeader(id: number, element: ThriftType, size: number): void {
    this.header(id, ThriftType.List);
    if (size < 15) this.byte((size << 4) | element);
    else {
      this.byte(0xf0 | element);
      this.varint(size);
    }
  }

  private header(id: number, type: ThriftType): void {
    const last = this.lastIds.length - 1;
    const delta = id - this.lastIds[last];
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.zigzag(id);
    }
    this.lastIds[last] = id;
  }

  private bytesValue(value: Uint8Array): this {
    this.varint(value.length);
    this.reserve(value.length);
    this.bytes.set(value, this.length);
    this.length += value.length;
    return this;
  }

  /** Zigzag, then varint, in plain arithmetic: the values stay far below 2^52. */
  private zigzag(value: number): this {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
    return this;
  }

  private varint(value: number): void {
    this.reserve(10);
    while (value >= 0x80) {
      this.bytes[this.length++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.bytes[this.length++] = value;
  }

  private byte(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}
