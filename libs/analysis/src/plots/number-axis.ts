import { Json } from './figure-layout';

/**
 * The x scale of the number-axis figures, padded by 1.5% on each side as the notebook's
 * `xlim=[numbers[0]-30, numbers[-1]+30]` is for -1000..1000, so end points do not sit on the axes.
 */
export function numberScale([min, max]: [number, number]): Json {
  const pad = Math.max(0.5, (max - min) * 0.015);
  return { domain: [min - pad, max + pad], nice: false, zero: false };
}

/** The x axis of the number-axis figures: integers, grouped by thousands. */
export const NUMBER_AXIS: Json = { title: 'Number', format: ',d', tickMinStep: 1, labelFlush: true };
