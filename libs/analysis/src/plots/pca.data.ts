import path from 'node:path';
import { readParquetInfo } from '../output/parquet-file';
import { PartRecord } from '../output/part-record';
import { PART_SUMMARY_KEY } from '../output/part-summary';
import { parsePcaSummary } from '../output/pca-summary';
import { MAX_MARKS, strideFor } from './mark-budget';
import { Panel, panelParts } from './panels';
import { forEachBatch, int64Values } from './part-columns';

/** One panel's PCA: a sample of its numbers' first three coordinates, and every component's share of the variance. */
export interface PcaPanel {
  panel: Panel;
  numbers: number;
  ratios: number[];
  points: { number: number; pc1: number; pc2: number; pc3: number | null }[];
}

/** What the PCA figures draw, each panel's points thinned to a share of MAX_MARKS. */
export interface PcaData {
  panels: PcaPanel[];
  /** The smallest |number| above zero and the largest |number| drawn: a span of decades gets a log colour scale. */
  magnitudes: [number, number] | null;
}

/** Reads the `pca` parts of the panels: the coordinates from the rows, the ratios from the footer. */
export async function collectPca(sweepDir: string, parts: PartRecord[], panels: Panel[]): Promise<PcaData> {
  const collected: PcaPanel[] = [];
  let low = Infinity;
  let high = 0;
  for (const panel of panels) {
    const mine = panelParts(parts, 'pca', panel);
    const summary = mine[0]
      ? parsePcaSummary((await readParquetInfo(path.join(sweepDir, mine[0].path))).metadata[PART_SUMMARY_KEY])
      : null;
    const ratios = summary?.explainedVarianceRatio ?? [];
    const stride = strideFor(summary?.numbers ?? 0, MAX_MARKS / 2 / panels.length);
    const points: PcaPanel['points'] = [];
    if (ratios.length >= 2) {
      const columns = ratios.length >= 3 ? ['number', 'pc1', 'pc2', 'pc3'] : ['number', 'pc1', 'pc2'];
      await forEachBatch(sweepDir, mine, columns, (batch) => {
        const numbers = int64Values(batch, 'number');
        const [pc1, pc2, pc3] = ['pc1', 'pc2', 'pc3'].map(
          (name) => batch.getChild(name)?.toArray() as Float64Array | undefined,
        );
        for (let i = 0; i < numbers.length; i += stride) {
          points.push({ number: numbers[i], pc1: pc1![i], pc2: pc2![i], pc3: pc3 ? pc3[i] : null });
          const magnitude = Math.abs(numbers[i]);
          if (magnitude > 0) low = Math.min(low, magnitude);
          high = Math.max(high, magnitude);
        }
      });
    }
    collected.push({ panel, numbers: summary?.numbers ?? 0, ratios, points });
  }
  return { panels: collected, magnitudes: high > 0 ? [low, high] : null };
}
