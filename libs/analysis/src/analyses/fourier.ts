import { Table } from '#arrow';
import { DftPlan } from '../compute/fft';
import { float64Column } from '../output/arrow-columns';
import { tableOf } from '../output/parquet-file';
import { ANALYSIS_SCHEMAS } from '../output/schemas';

/** The longest run of consecutive integers (v, v+1, …) in `values` that all have an embedding; first wins ties. */
export function longestEmbeddedRun(values: Float64Array, present: Uint8Array): { from: number; to: number } {
  let best = { from: 0, to: 0 };
  let start = -1;
  for (let i = 0; i <= values.length; i++) {
    const continues = i < values.length && present[i] && start >= 0 && values[i] === values[i - 1] + 1;
    if (continues) continue;
    if (start >= 0 && i - start > best.to - best.from) best = { from: start, to: i };
    start = i < values.length && present[i] ? i : -1;
  }
  return best;
}

/**
 * `fourier` rows over positions `from..to` of raw (not normalized) embeddings: the mean vector subtracted, a DFT along
 * the number axis per dimension, power summed over dimensions; k = 1..⌊N/2⌋ (the constant term left
 * out, and the mirrored half of a real signal's spectrum too), `period` = N/k.
 */
export function fourierTable(
  embeddings: { dim: number; vectors: Float32Array },
  from: number,
  to: number,
): Table {
  const n = to - from;
  const half = Math.floor(n / 2);
  const period = new Float64Array(half);
  const power = new Float64Array(half);
  const normalized = new Float64Array(half);
  if (half > 0) {
    const { dim, vectors: unit } = embeddings;
    const plan = new DftPlan(n);
    const spectrum = new Float64Array(n);
    const signal = new Float64Array(n);
    for (let d = 0; d < dim; d++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += unit[(from + i) * dim + d];
      mean /= n;
      for (let i = 0; i < n; i++) signal[i] = unit[(from + i) * dim + d] - mean;
      plan.addPower(signal, spectrum);
    }
    let total = 0;
    for (let k = 1; k <= half; k++) total += spectrum[k];
    for (let k = 1; k <= half; k++) {
      period[k - 1] = n / k;
      power[k - 1] = spectrum[k];
      normalized[k - 1] = total > 0 ? spectrum[k] / total : 0;
    }
  }
  return tableOf(ANALYSIS_SCHEMAS.fourier, [
    float64Column(period),
    float64Column(power),
    float64Column(normalized),
  ]);
}
