import { Data, Float64, makeData, Utf8 } from '#arrow';
import { packBits, utf8Column } from './arrow-columns';

/** utf8 with nulls where `strings[i]` is null (an empty string stands in for their bytes). */
export function nullableUtf8Column(strings: (string | null)[]): Data<Utf8> {
  const valid = new Uint8Array(strings.length);
  const filled = strings.map((s, i) => {
    valid[i] = s === null ? 0 : 1;
    return s ?? '';
  });
  const data = utf8Column(filled);
  const { bitmap, nulls } = packBits(valid);
  if (nulls === 0) return data;
  return makeData({
    type: new Utf8(),
    length: strings.length,
    valueOffsets: data.valueOffsets,
    data: data.values,
    nullBitmap: bitmap,
    nullCount: nulls,
  });
}

/** A float64 column of `length` rows that are all null: a component a part's data does not reach. */
export function nullFloat64Column(length: number): Data<Float64> {
  return makeData({
    type: new Float64(),
    length,
    data: new Float64Array(length),
    nullBitmap: new Uint8Array((length + 7) >> 3),
    nullCount: length,
  });
}
