import { describe, expect, it } from 'vitest';
import { CosineKernel } from '../compute/cosine-kernel';
import { seededGaussian } from '../compute/seeded-random';
import { TokenizedNumbers } from '../compute/tokenize-numbers';
import { EmbeddingMatrix } from '../models/embeddings';
import { neighborsTable } from './neighbors';
import { utf8Texts } from '../compute/utf8-texts';

const ROWS = 300;
const DIM = 12;

/** A random matrix with planted rows: 200 and 100 twice and four times row 5 (an exact tie), 7 all zero. */
function matrix(): EmbeddingMatrix {
  const random = seededGaussian(3);
  const data = Float32Array.from({ length: ROWS * DIM }, () => random());
  for (let d = 0; d < DIM; d++) {
    data[200 * DIM + d] = 2 * data[5 * DIM + d];
    data[100 * DIM + d] = 4 * data[5 * DIM + d];
    data[7 * DIM + d] = 0;
  }
  return { tensorName: 'wte.weight', dtype: 'F32', rows: ROWS, dim: DIM, data, sha256: '' };
}

/** Numbers 0..3 as one token each (ids 5, 6, 7, 8), and 4 as the two tokens 9 and 10. */
const TOKENS: TokenizedNumbers = {
  values: Float64Array.of(0, 1, 2, 3, 4),
  texts: utf8Texts(['0', '1', '2', '3', '4']),
  offsets: Int32Array.of(0, 1, 2, 3, 4, 6),
  ids: Int32Array.of(5, 6, 7, 8, 9, 10),
};

const NAMES = { hasToken: (id: number) => id < 250, piece: (id: number) => `t${id}` };

/** The ten best rows by a float64 cosine, own ids and zero rows left out, ties to the lower id. */
function reference(m: EmbeddingMatrix, vector: Float64Array, own: number[]): number[] {
  const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
  const scored: [number, number][] = [];
  for (let r = 0; r < m.rows; r++) {
    const row = m.data.subarray(r * DIM, (r + 1) * DIM);
    if (own.includes(r) || norm(row) === 0) continue;
    scored.push([r, row.reduce((s, x, d) => s + x * vector[d], 0) / (norm(row) * norm(vector))]);
  }
  return scored
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, 10)
    .map(([r]) => r);
}

describe(neighborsTable.name, () => {
  it.each(['none', 'mean'] as const)('finds the ten nearest rows (pooling %s)', async (pooling) => {
    const m = matrix();
    const table = await neighborsTable(TOKENS, m, pooling, new CosineKernel(1), NAMES);
    const numbers = Array.from(table.getChild('number')!, Number);
    const ids = Array.from(table.getChild('token_id')!) as number[];
    const ranks = Array.from(table.getChild('rank')!) as number[];
    const embedded = pooling === 'none' ? [0, 1, 3] : [0, 1, 3, 4]; // 2's row is zero; 4 has two tokens
    expect(numbers).toEqual(embedded.flatMap((n) => Array(10).fill(n)));
    expect(ranks).toEqual(embedded.flatMap(() => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    embedded.forEach((n, i) => {
      const own = Array.from(TOKENS.ids.subarray(TOKENS.offsets[n], TOKENS.offsets[n + 1]));
      const vector = new Float64Array(DIM);
      for (const id of own) for (let d = 0; d < DIM; d++) vector[d] += m.data[id * DIM + d] / own.length;
      expect(ids.slice(i * 10, (i + 1) * 10), `number ${n}`).toEqual(reference(m, vector, own));
    });
    // number 0 is token 5: its exact multiples tie at cosine 1, the lower id first
    expect(ids.slice(0, 2)).toEqual([100, 200]);
    const cosines = table.getChild('cosine')!;
    expect(cosines.get(0)).toBeCloseTo(1, 6);
    expect(cosines.get(0)).toBe(cosines.get(1));
    expect(ids).not.toContain(7);
  });

  it('names each row by its token, null where the tokenizer has none', async () => {
    const m = matrix();
    const table = await neighborsTable(TOKENS, m, 'none', new CosineKernel(1), NAMES);
    const ids = Array.from(table.getChild('token_id')!) as number[];
    const tokens = Array.from(table.getChild('token')!);
    expect(tokens).toEqual(ids.map((id) => (id < 250 ? `t${id}` : null)));
  });
});
