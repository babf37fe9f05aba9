import { Bool, Data, Field, Float32, Float64, Int32, Int64, List, makeData, Utf8 } from '#arrow';
import { Utf8Texts, utf8Texts } from '../compute/utf8-texts';

/**
 * Arrow column data built straight from typed arrays, with no per-row objects: the hot paths hand
 * over flat buffers and these wrap them.
 */

/** int64 from safe integers held as float64 (split into 32-bit words, avoiding a BigInt per value). */
export function int64Column(values: Float64Array): Data<Int64> {
  const words = new Int32Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v >= -2147483648 && v <= 2147483647) {
      // the common case, without a division: the low word is the value, the high one its sign
      words[2 * i] = v;
      words[2 * i + 1] = v < 0 ? -1 : 0;
    } else {
      const high = Math.floor(v / 4294967296);
      words[2 * i] = v - high * 4294967296;
      words[2 * i + 1] = high;
    }
  }
  return makeData({ type: new Int64(), length: values.length, data: new BigInt64Array(words.buffer) });
}

export function int32Column(values: Int32Array): Data<Int32> {
  return makeData({ type: new Int32(), length: values.length, data: values });
}

export function float64Column(values: Float64Array): Data<Float64> {
  return makeData({ type: new Float64(), length: values.length, data: values });
}

/** float32, null where `valid[i]` is 0 (when given). */
export function float32Column(values: Float32Array, valid?: Uint8Array): Data<Float32> {
  if (!valid) return makeData({ type: new Float32(), length: values.length, data: values });
  const { bitmap, nulls } = packBits(valid);
  return makeData({
    type: new Float32(),
    length: values.length,
    data: values,
    nullBitmap: bitmap,
    nullCount: nulls,
  });
}

/** bool from 0/1 bytes. */
export function boolColumn(values: Uint8Array): Data<Bool> {
  return makeData({ type: new Bool(), length: values.length, data: packBits(values).bitmap });
}

/** utf8 from strings, or from texts already UTF-8 (a tokenizer's batch gives them so). */
export function utf8Column(strings: string[] | Utf8Texts): Data<Utf8> {
  const { ends, bytes } = Array.isArray(strings) ? utf8Texts(strings) : strings;
  return makeData({ type: new Utf8(), length: ends.length - 1, valueOffsets: ends, data: bytes });
}

/** utf8 holding the same `value` in every one of `length` rows, built without a string per row. */
export function constantUtf8Column(value: string, length: number): Data<Utf8> {
  const { bytes } = utf8Texts([value]);
  const offsets = new Int32Array(length + 1);
  for (let i = 1; i <= length; i++) offsets[i] = i * bytes.length;
  const data = new Uint8Array(length * bytes.length);
  for (let i = 0; i < length; i++) data.set(bytes, i * bytes.length);
  return makeData({ type: new Utf8(), length, valueOffsets: offsets, data });
}

/** list<int32>: row i holds `values[offsets[i]..offsets[i + 1])`. */
export function int32ListColumn(offsets: Int32Array, values: Int32Array): Data<List<Int32>> {
  const child = int32Column(values);
  return makeData({
    type: new List(new Field('item', new Int32(), false)),
    length: offsets.length - 1,
    valueOffsets: offsets,
    child,
  });
}

/** list<utf8>: row i holds `strings[offsets[i]..offsets[i + 1])`. */
export function utf8ListColumn(offsets: Int32Array, strings: string[] | Utf8Texts): Data<List<Utf8>> {
  const child = utf8Column(strings);
  return makeData({
    type: new List(new Field('item', new Utf8(), false)),
    length: offsets.length - 1,
    valueOffsets: offsets,
    child,
  });
}

/** One bit per flag, least significant first (Arrow's validity and boolean layout), and how many are 0. */
export function packBits(flags: Uint8Array): { bitmap: Uint8Array; nulls: number } {
  const bitmap = new Uint8Array((flags.length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < flags.length; i++) {
    if (flags[i]) bitmap[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return { bitmap, nulls };
}
