import { symmetricEigen } from './symmetric-eigen';

/** A set of float64 vectors read one at a time: `read(i, out)` writes vector i (length dim) into `out`. */
export interface VectorSource {
  count: number;
  dim: number;
  read(i: number, out: Float64Array): void;
}

/** The first k principal components of a set of vectors, oriented (see `principalComponents`). */
export interface PrincipalComponents {
  k: number;
  /** Component j's coordinates of every vector, `scores[j][i]`. */
  scores: Float64Array[];
  /** Component j's variance over the total variance. */
  explainedVarianceRatio: number[];
}

/** Below this |Pearson r| an axis is taken as uncorrelated with the numbers, and oriented by its first coordinate. */
const UNCORRELATED = 1e-12;

/**
 * PCA in float64: the mean subtracted, principal axes as the eigenvectors of the scatter matrix —
 * the right singular vectors of the centred data, as an SVD gives them —, k = min(maxComponents,
 * N − 1, dim) components, and each vector's unscaled scores (x − mean) · axis. The eigenproblem is
 * solved on the smaller side: the dim × dim scatter matrix, streamed vector by vector (no N × dim
 * copy), or with fewer vectors than dimensions the N × N Gram matrix of the centred vectors, whose
 * eigenvectors scaled by the singular values are the scores. Axis signs are fixed by `labels`: each
 * component correlates non-negatively with them (Pearson), or where it does not correlate at all
 * (|r| < 1e-12), its first non-zero score is positive.
 */
export function principalComponents(
  source: VectorSource,
  labels: Float64Array,
  maxComponents: number,
): PrincipalComponents {
  const { count, dim } = source;
  const k = Math.max(0, Math.min(maxComponents, count - 1, dim));
  if (k === 0) return { k: 0, scores: [], explainedVarianceRatio: [] };
  const mean = meanOf(source);
  const { scores, variances, total } = count < dim ? viaGram(source, mean, k) : viaScatter(source, mean, k);
  for (const column of scores) orient(column, labels);
  const explainedVarianceRatio = variances.map((v) => (total > 0 ? Math.max(0, v) / total : 0));
  return { k, scores, explainedVarianceRatio };
}

function meanOf(source: VectorSource): Float64Array {
  const mean = new Float64Array(source.dim);
  const x = new Float64Array(source.dim);
  for (let i = 0; i < source.count; i++) {
    source.read(i, x);
    for (let d = 0; d < x.length; d++) mean[d] += x[d];
  }
  for (let d = 0; d < mean.length; d++) mean[d] /= source.count;
  return mean;
}

/** The centred vector i into `out`. */
function readCentred(source: VectorSource, mean: Float64Array, i: number, out: Float64Array): void {
  source.read(i, out);
  for (let d = 0; d < out.length; d++) out[d] -= mean[d];
}

interface Components {
  scores: Float64Array[];
  /** Sums of squared scores of the first k components (their variance times N − 1). */
  variances: number[];
  /** The same over every direction: the trace of the scatter matrix. */
  total: number;
}

/** N ≥ dim: eigenvectors of Σ (x − m)(x − m)ᵀ are the axes; a second pass projects onto them. */
function viaScatter(source: VectorSource, mean: Float64Array, k: number): Components {
  const { count, dim } = source;
  const scatter = new Float64Array(dim * dim);
  const x = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    readCentred(source, mean, i, x);
    for (let r = 0; r < dim; r++) {
      const xr = x[r];
      if (xr === 0) continue;
      const row = r * dim;
      for (let c = r; c < dim; c++) scatter[row + c] += xr * x[c];
    }
  }
  for (let r = 0; r < dim; r++) for (let c = 0; c < r; c++) scatter[r * dim + c] = scatter[c * dim + r];
  let total = 0;
  for (let d = 0; d < dim; d++) total += scatter[d * dim + d];
  const eigen = symmetricEigen(scatter, dim);
  const axes = eigen.vectors.slice(0, k);
  const scores = axes.map(() => new Float64Array(count));
  for (let i = 0; i < count; i++) {
    readCentred(source, mean, i, x);
    for (let j = 0; j < k; j++) {
      const axis = axes[j];
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += x[d] * axis[d];
      scores[j][i] = dot;
    }
  }
  return { scores, variances: Array.from(eigen.values.subarray(0, k)), total };
}

/** N < dim: eigenvectors u of the Gram matrix of centred vectors, with eigenvalues σ², give scores σ·u. */
function viaGram(source: VectorSource, mean: Float64Array, k: number): Components {
  const { count, dim } = source;
  const centred = new Float64Array(count * dim);
  for (let i = 0; i < count; i++) readCentred(source, mean, i, centred.subarray(i * dim, (i + 1) * dim));
  const gram = new Float64Array(count * count);
  for (let i = 0; i < count; i++) {
    const a = centred.subarray(i * dim, (i + 1) * dim);
    for (let j = i; j < count; j++) {
      const b = centred.subarray(j * dim, (j + 1) * dim);
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += a[d] * b[d];
      gram[i * count + j] = dot;
      gram[j * count + i] = dot;
    }
  }
  let total = 0;
  for (let i = 0; i < count; i++) total += gram[i * count + i];
  const eigen = symmetricEigen(gram, count);
  const scores = eigen.vectors.slice(0, k).map((u, j) => {
    const sigma = Math.sqrt(Math.max(0, eigen.values[j]));
    return u.map((value) => value * sigma);
  });
  return { scores, variances: Array.from(eigen.values.subarray(0, k)), total };
}

/** Flips a component so that it correlates non-negatively with `labels`, or else its first non-zero score is positive. */
function orient(scores: Float64Array, labels: Float64Array): void {
  const r = pearson(scores, labels);
  let flip: boolean;
  if (Math.abs(r) >= UNCORRELATED) flip = r < 0;
  else {
    const first = scores.find((s) => s !== 0);
    flip = first !== undefined && first < 0;
  }
  if (flip) for (let i = 0; i < scores.length; i++) scores[i] = -scores[i];
}

/** Pearson's r in float64; 0 when either side does not vary. */
export function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i];
    meanB += b[i];
  }
  meanA /= n;
  meanB /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - meanA;
    const db = b[i] - meanB;
    ab += da * db;
    aa += da * da;
    bb += db * db;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}
