import { PartRecord } from '../output/part-record';
import { MAX_MARKS, NumberBins } from './mark-budget';
import { float32OrNaN, forEachBatch, int64Values } from './part-columns';
import { Panel, panelParts } from './panels';
import { SweepStorage } from '../storage/sweep-storage';

/** Blocks per matrix edge when binned: 120 × 120 cells, about 3 PNG pixels each in a square panel. */
export const MAX_MATRIX_BINS = 120;

export interface MatrixCell {
  panel: string;
  row: number;
  col: number;
  cosine: number;
}

export interface MatrixBlock {
  panel: string;
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
  /** Mean cosine of the block's pairs. */
  cosine: number;
}

export interface PanelMatrix {
  panel: Panel;
  /** Numbers that entered the matrix (those with an embedding). */
  numbers: number;
}

/** What the cosine-matrix figure draws: every cell, or mean cosines over square blocks of numbers. */
export type CosineMatrixData = { panels: PanelMatrix[] } & (
  | { kind: 'cells'; numbers: number[]; rows: MatrixCell[] }
  | {
      kind: 'binned';
      binWidth: number;
      /** From the first block's start to the last one's end. */ extent: [number, number];
      rows: MatrixBlock[];
    }
);

/** Reads each panel's all-to-all matrix, as cells when they fit the mark budget and in blocks otherwise. */
export async function collectCosineMatrix(
  storage: SweepStorage,
  parts: PartRecord[],
  panels: Panel[],
): Promise<CosineMatrixData> {
  const mine = (panel: Panel) => panelParts(parts, 'cosine-matrix', panel);
  const cells = panels.map((panel) => mine(panel).reduce((sum, p) => sum + p.rows, 0));
  const summary = panels.map((panel, i) => ({ panel, numbers: Math.round(Math.sqrt(cells[i])) }));

  if (cells.reduce((a, b) => a + b, 0) <= MAX_MARKS) {
    const rows: MatrixCell[] = [];
    const numbers = new Set<number>();
    for (const panel of panels) {
      await forEachBatch(storage, mine(panel), ['row', 'col', 'cosine'], (batch) => {
        const row = int64Values(batch, 'row');
        const col = int64Values(batch, 'col');
        const cosine = float32OrNaN(batch, 'cosine');
        for (let i = 0; i < row.length; i++) {
          numbers.add(row[i]);
          rows.push({ panel: panel.label, row: row[i], col: col[i], cosine: cosine[i] });
        }
      });
    }
    return { panels: summary, kind: 'cells', numbers: [...numbers].sort((a, b) => a - b), rows };
  }

  // A first pass over the row column alone finds the extent the blocks must cover.
  let low = Infinity;
  let high = -Infinity;
  for (const panel of panels) {
    await forEachBatch(storage, mine(panel), ['row'], (batch) => {
      const row = int64Values(batch, 'row');
      for (let i = 0; i < row.length; i++) {
        if (row[i] < low) low = row[i];
        if (row[i] > high) high = row[i];
      }
    });
  }
  const bins = new NumberBins(
    low,
    high,
    Math.min(MAX_MATRIX_BINS, Math.floor(Math.sqrt(MAX_MARKS / panels.length))),
  );
  const rows: MatrixBlock[] = [];
  for (const panel of panels) {
    const sum = new Float64Array(bins.count * bins.count);
    const count = new Float64Array(bins.count * bins.count);
    await forEachBatch(storage, mine(panel), ['row', 'col', 'cosine'], (batch) => {
      const row = int64Values(batch, 'row');
      const col = int64Values(batch, 'col');
      const cosine = float32OrNaN(batch, 'cosine');
      for (let i = 0; i < row.length; i++) {
        if (Number.isNaN(cosine[i])) continue;
        const block = bins.index(row[i]) * bins.count + bins.index(col[i]);
        sum[block] += cosine[i];
        count[block]++;
      }
    });
    for (let block = 0; block < sum.length; block++) {
      if (count[block] === 0) continue;
      const r = Math.floor(block / bins.count);
      const c = block % bins.count;
      rows.push({
        panel: panel.label,
        rowStart: bins.start(r),
        rowEnd: bins.end(r),
        colStart: bins.start(c),
        colEnd: bins.end(c),
        cosine: sum[block] / count[block],
      });
    }
  }
  return {
    panels: summary,
    kind: 'binned',
    binWidth: bins.width,
    extent: [bins.start(0), bins.end(bins.count - 1)],
    rows,
  };
}
