import { PartRecord } from '../output/part-record';
import { MAX_MARKS, MAX_NUMBER_BINS, NumberBins } from './mark-budget';
import { float32OrNaN, forEachBatch, int64Values, strings } from './part-columns';
import { Panel, panelParts } from './panels';
import { SweepStorage } from '../storage/sweep-storage';

/** Up to this many bars per panel, each bar is labelled with its number's text, as in the notebook. */
export const LABELLED_BARS = 40;

export interface CosineBar {
  panel: string;
  number: number;
  /** The number as formatted and tokenized (the tick label when bars are few). */
  label: string;
  /** cos(previous, number); null when either has no embedding, and for the first number. */
  cosine: number | null;
}

export interface CosineBin {
  panel: string;
  start: number;
  end: number;
  mean: number;
  min: number;
  max: number;
}

export interface PanelCosines {
  panel: Panel;
  /** Successive pairs (rows of the analysis). */
  pairs: number;
  /** Pairs with a cosine. */
  withCosine: number;
}

/** What the successive-cosine figure draws: labelled bars, bars over the number axis, or binned means. */
export type SuccessiveCosineData = {
  panels: PanelCosines[];
  /** Smallest and largest cosine drawn (over all panels), null when there is none. */
  range: [number, number] | null;
  extent: [number, number];
} & (
  | { kind: 'labelled'; rows: CosineBar[] }
  | { kind: 'bars'; halfWidth: number; rows: CosineBar[] }
  | { kind: 'binned'; binWidth: number; rows: CosineBin[] }
);

/** Reads the successive cosines of each panel, choosing how to draw them from the row counts in the part footers. */
export async function collectSuccessiveCosine(
  storage: SweepStorage,
  parts: PartRecord[],
  panels: Panel[],
): Promise<SuccessiveCosineData> {
  const mine = (panel: Panel) => panelParts(parts, 'successive-cosine', panel);
  const pairs = panels.map((panel) => mine(panel).reduce((sum, p) => sum + p.rows, 0));
  const read = (
    panel: Panel,
    columns: string[],
    visit: (numbers: Float64Array, previous: Float64Array, cosines: Float32Array) => void,
  ) =>
    forEachBatch(storage, mine(panel), columns, (batch) =>
      visit(
        int64Values(batch, 'number'),
        columns.includes('previous') ? int64Values(batch, 'previous') : new Float64Array(0),
        float32OrNaN(batch, 'cosine'),
      ),
    );
  const summary = panels.map((panel, i) => ({ panel, pairs: pairs[i], withCosine: 0 }));
  let low = Infinity;
  let high = -Infinity;
  let extentLow = Infinity;
  let extentHigh = -Infinity;
  const see = (cosine: number) => {
    if (cosine < low) low = cosine;
    if (cosine > high) high = cosine;
  };
  const finish = () => ({
    panels: summary,
    range: low <= high ? ([low, high] as [number, number]) : null,
    extent: [extentLow, extentHigh] as [number, number],
  });

  if (Math.max(0, ...pairs) <= LABELLED_BARS || pairs.reduce((a, b) => a + b, 0) <= MAX_MARKS) {
    const labelled = Math.max(0, ...pairs) <= LABELLED_BARS;
    const rows: CosineBar[] = [];
    let minGap = Infinity;
    for (const [i, panel] of panels.entries()) {
      const labels = labelled ? await numberTexts(storage, parts, panel) : new Map<number, string>();
      let first = true;
      await read(panel, ['number', 'previous', 'cosine'], (numbers, previous, cosines) => {
        for (let k = 0; k < numbers.length; k++) {
          // The notebook's first bar is empty (its number has no predecessor) but keeps its tick label.
          if (first && labelled)
            rows.push({
              panel: panel.label,
              number: previous[k],
              label: labels.get(previous[k]) ?? String(previous[k]),
              cosine: null,
            });
          first = false;
          const cosine = Number.isNaN(cosines[k]) ? null : cosines[k];
          if (cosine !== null) {
            summary[i].withCosine++;
            see(cosine);
          }
          minGap = Math.min(minGap, numbers[k] - previous[k]);
          extentLow = Math.min(extentLow, previous[k]);
          extentHigh = Math.max(extentHigh, numbers[k]);
          if (labelled || cosine !== null)
            rows.push({
              panel: panel.label,
              number: numbers[k],
              label: labels.get(numbers[k]) ?? String(numbers[k]),
              cosine,
            });
        }
      });
    }
    return labelled
      ? { ...finish(), kind: 'labelled', rows }
      : { ...finish(), kind: 'bars', halfWidth: Number.isFinite(minGap) ? minGap / 2 : 0.5, rows };
  }

  for (const panel of panels) {
    await read(panel, ['number'], (numbers) => {
      for (let k = 0; k < numbers.length; k++) {
        if (numbers[k] < extentLow) extentLow = numbers[k];
        if (numbers[k] > extentHigh) extentHigh = numbers[k];
      }
    });
  }
  const bins = new NumberBins(
    extentLow,
    extentHigh,
    Math.min(MAX_NUMBER_BINS, Math.floor(MAX_MARKS / panels.length)),
  );
  const rows: CosineBin[] = [];
  for (const [i, panel] of panels.entries()) {
    const sum = new Float64Array(bins.count);
    const count = new Float64Array(bins.count);
    const min = new Float64Array(bins.count).fill(Infinity);
    const max = new Float64Array(bins.count).fill(-Infinity);
    await read(panel, ['number', 'cosine'], (numbers, _previous, cosines) => {
      for (let k = 0; k < numbers.length; k++) {
        const cosine = cosines[k];
        if (Number.isNaN(cosine)) continue;
        const bin = bins.index(numbers[k]);
        sum[bin] += cosine;
        count[bin]++;
        if (cosine < min[bin]) min[bin] = cosine;
        if (cosine > max[bin]) max[bin] = cosine;
        summary[i].withCosine++;
        see(cosine);
      }
    });
    for (let bin = 0; bin < bins.count; bin++) {
      if (count[bin] === 0) continue;
      rows.push({
        panel: panel.label,
        start: bins.start(bin),
        end: bins.end(bin),
        mean: sum[bin] / count[bin],
        min: min[bin],
        max: max[bin],
      });
    }
  }
  return { ...finish(), kind: 'binned', binWidth: bins.width, rows };
}

/** The text of each number of a panel (from its tokens parts, when the sweep has them). */
async function numberTexts(
  storage: SweepStorage,
  parts: PartRecord[],
  panel: Panel,
): Promise<Map<number, string>> {
  const texts = new Map<number, string>();
  await forEachBatch(storage, panelParts(parts, 'tokens', panel), ['number', 'text'], (batch) => {
    const numbers = int64Values(batch, 'number');
    strings(batch, 'text').forEach((text, i) => texts.set(numbers[i], text));
  });
  return texts;
}
