import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const SCRIPT = path.join(__dirname, 'pca_neighbors_reference.py');

/** What numpy computes for one model × format × pooling (see pca_neighbors_reference.py). */
export interface NumpyReference {
  pca: { k: number; scores: number[][]; ratios: number[] };
  neighbors: { ids: number[]; cosines: number[] }[];
}

/**
 * PCA by float64 SVD and the nearest rows by a full float64 cosine against every row of `matrix`,
 * computed by numpy in a python3 child process (Debian's python3-numpy).
 */
export async function numpyReference(input: {
  embeddings: Float64Array[];
  values: number[];
  matrix: { rows: number; dim: number; data: Float64Array };
  ownIds: number[][];
}): Promise<NumpyReference> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-numpy-'));
  try {
    const { rows, dim, data } = input.matrix;
    const x = new Float64Array(input.embeddings.length * dim);
    input.embeddings.forEach((e, i) => x.set(e, i * dim));
    const bytes = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    await writeFile(path.join(dir, 'x.f64'), bytes(x));
    await writeFile(path.join(dir, 'values.f64'), bytes(Float64Array.from(input.values)));
    await writeFile(path.join(dir, 'matrix.f64'), bytes(data));
    await writeFile(
      path.join(dir, 'meta.json'),
      JSON.stringify({ count: input.embeddings.length, dim, rows, own: input.ownIds }),
    );
    await promisify(execFile)('python3', [SCRIPT, dir], { maxBuffer: 1 << 26 });
    return JSON.parse(await readFile(path.join(dir, 'result.json'), 'utf8')) as NumpyReference;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
