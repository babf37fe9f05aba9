import { describe, expect, it } from 'vitest';
import { SuccessiveDots } from '../compute/pooled-dots';
import { seededGaussian, seededUniform } from '../compute/seeded-random';
import { TokenizedNumbers } from '../compute/tokenize-numbers';
import { EmbeddingMatrix } from '../models/embeddings';
import { Pooling } from '../spec/vocabulary';
import { successiveCosineTable } from './successive-cosine';
import { utf8Texts } from '../compute/utf8-texts';

const ROWS = 30;
const DIM = 770;

/** Seeded rows, row 0 zero (a number of that token alone has no embedding). */
function matrix(): EmbeddingMatrix {
  const random = seededGaussian(3);
  const data = Float32Array.from({ length: ROWS * DIM }, () => random());
  data.fill(0, 0, DIM);
  return { tensorName: 't', dtype: 'F32', rows: ROWS, dim: DIM, data, sha256: '' };
}

/** The numbers 1000, 1003, … with 0 to 4 seeded tokens each. */
function tokenized(count: number): TokenizedNumbers {
  const random = seededUniform(11);
  const offsets = new Int32Array(count + 1);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const tokens = Math.floor(random() * 5);
    for (let t = 0; t < tokens; t++) ids.push(Math.floor(random() * ROWS));
    offsets[i + 1] = ids.length;
  }
  const values = Float64Array.from({ length: count }, (_, i) => 1000 + 3 * i);
  return { values, texts: utf8Texts(Array.from(values, String)), offsets, ids: Int32Array.from(ids) };
}

describe(successiveCosineTable.name, () => {
  it.each<Pooling>(['mean', 'none'])(
    'gives each number but the first its predecessor and the definition’s cosine as float32, null without one (pooling %s)',
    (pooling) => {
      const tokens = tokenized(500);
      const m = matrix();
      const dots = new SuccessiveDots(m, pooling);
      dots.next(tokens, 0);
      const expected = Array.from({ length: 499 }, (_, i) => {
        const cosine = dots.next(tokens, i + 1);
        return Number.isNaN(cosine) ? null : Math.fround(cosine);
      });
      const table = successiveCosineTable(tokens, m, pooling);
      expect(table.numRows).toBe(499);
      const column = (name: string) =>
        Array.from({ length: table.numRows }, (_, i) => table.getChild(name)!.get(i));
      expect(column('number')).toEqual(Array.from(tokens.values.subarray(1), BigInt));
      expect(column('previous')).toEqual(Array.from(tokens.values.subarray(0, 499), BigInt));
      expect(column('cosine')).toEqual(expected);
      expect(expected.filter((c) => c === null).length).toBeGreaterThan(20);
      expect(expected.filter((c) => c !== null).length).toBeGreaterThan(10);
    },
  );

  it('has no rows for no numbers or one', () => {
    const tokens = tokenized(1);
    expect(successiveCosineTable(tokens, matrix(), 'mean').numRows).toBe(0);
    const none = {
      values: new Float64Array(0),
      texts: utf8Texts([]),
      offsets: new Int32Array(1),
      ids: new Int32Array(0),
    };
    expect(successiveCosineTable(none, matrix(), 'mean').numRows).toBe(0);
  });
});
