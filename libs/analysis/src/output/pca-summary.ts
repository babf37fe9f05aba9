/** What a `pca` part's footer carries (under `tokensweep.summary`) and summary.json repeats. */
export interface PcaSummary {
  analysis: 'pca';
  /** N: the swept numbers that have an embedding. */
  numbers: number;
  /** Each component's variance over the total variance, first component first; [] when N < 2. */
  explainedVarianceRatio: number[];
}

/** The PCA summary of a part's footer text, or null when it is missing or malformed. */
export function parsePcaSummary(text: string | undefined): PcaSummary | null {
  if (text === undefined) return null;
  try {
    const value = JSON.parse(text) as PcaSummary;
    const valid =
      value?.analysis === 'pca' &&
      Number.isSafeInteger(value.numbers) &&
      value.numbers >= 0 &&
      Array.isArray(value.explainedVarianceRatio) &&
      value.explainedVarianceRatio.every((r) => Number.isFinite(r));
    return valid ? value : null;
  } catch {
    return null;
  }
}
