/**
 * How much a figure may draw. A renderer handed millions of marks makes multi-megabyte SVGs that
 * take minutes and show nothing more than a summary would, so large sweeps are binned or sampled
 * to at most MAX_MARKS data points per figure, whatever the number of panels.
 */
export const MAX_MARKS = 20_000;

/** Columns of bins along the number axis: about two PNG pixels each at the wide panel's width. */
export const MAX_NUMBER_BINS = 480;

/** Equal-width bins of integers from `min` to `max`. */
export class NumberBins {
  /** Integers per bin (at least 1). */
  readonly width: number;
  readonly count: number;

  constructor(
    readonly min: number,
    max: number,
    maxBins: number,
  ) {
    const span = max - min + 1;
    this.width = Math.max(1, Math.ceil(span / Math.max(1, maxBins)));
    this.count = Math.max(1, Math.ceil(span / this.width));
  }

  index(n: number): number {
    return Math.min(this.count - 1, Math.max(0, Math.floor((n - this.min) / this.width)));
  }

  /** First integer of bin `i`. */
  start(i: number): number {
    return this.min + i * this.width;
  }

  /** One past the last integer of bin `i`, so bins drawn from start to end touch. */
  end(i: number): number {
    return this.min + (i + 1) * this.width;
  }
}

/** Keep every `stride`-th item so that `total` items shrink to at most `budget`. */
export function strideFor(total: number, budget: number): number {
  return Math.max(1, Math.ceil(total / Math.max(1, budget)));
}

/** `1st`, `2nd`, `3rd`, `4th`, … for subtitles. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
