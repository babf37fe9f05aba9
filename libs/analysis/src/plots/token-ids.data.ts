import { PartRecord } from '../output/part-record';
import { MAX_MARKS, strideFor } from './mark-budget';
import { forEachBatch, int32Lists, int64Values } from './part-columns';
import { panelParts } from './panels';
import { sharedExtent, TokenScan } from './token-scan';
import { SweepStorage } from '../storage/sweep-storage';

export interface TokenIdPoint {
  panel: string;
  number: number;
  id: number;
  /** 1 for a number's first token, 2 for its second, … */
  position: number;
}

/** What the token-ids figure draws: every token of every `stride`-th number of each panel. */
export interface TokenIdsData {
  scans: TokenScan[];
  extent: [number, number];
  /** 1 when every number is drawn. */
  stride: number;
  /** Numbers drawn over all panels. */
  drawn: number;
  positions: number;
  rows: TokenIdPoint[];
}

/**
 * Reads the token ids of each panel. Past the mark budget it keeps every `stride`-th number (by rank,
 * the same numbers in every panel of one number list) rather than binning, since a number's ids are
 * what the figure shows and a bin of ids has no single value to draw.
 */
export async function collectTokenIds(
  storage: SweepStorage,
  parts: PartRecord[],
  scans: TokenScan[],
): Promise<TokenIdsData> {
  const stride = strideFor(
    scans.reduce((sum, s) => sum + s.tokens, 0),
    MAX_MARKS,
  );
  const rows: TokenIdPoint[] = [];
  let drawn = 0;
  let positions = 0;
  for (const scan of scans) {
    let rank = 0;
    await forEachBatch(storage, panelParts(parts, 'tokens', scan.panel), ['number', 'token_ids'], (batch) => {
      const numbers = int64Values(batch, 'number');
      const { offsets, values } = int32Lists(batch, 'token_ids');
      for (let i = 0; i < numbers.length; i++, rank++) {
        if (rank % stride !== 0) continue;
        drawn++;
        for (let k = offsets[i]; k < offsets[i + 1]; k++) {
          const position = k - offsets[i] + 1;
          positions = Math.max(positions, position);
          rows.push({ panel: scan.panel.label, number: numbers[i], id: values[k], position });
        }
      }
    });
  }
  return { scans, extent: sharedExtent(scans), stride, drawn, positions, rows };
}
