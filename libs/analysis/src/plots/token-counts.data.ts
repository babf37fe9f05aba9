import { PartRecord } from '../output/part-record';
import { jitterSource } from './jitter';
import { MAX_MARKS, MAX_NUMBER_BINS, NumberBins } from './mark-budget';
import { forEachBatch, int32Values, int64Values } from './part-columns';
import { panelParts } from './panels';
import { sharedExtent, TokenScan, tokenCountsSeen } from './token-scan';
import { SweepStorage } from '../storage/sweep-storage';

export interface TokenCountPoint {
  panel: string;
  number: number;
  count: number;
  /** The count plus jitter: where the dot is drawn. */
  y: number;
}

export interface TokenCountBin {
  panel: string;
  start: number;
  end: number;
  count: number;
  /** Share of the bin's numbers that have this token count. */
  share: number;
}

/** What the token-counts figure draws: a dot per number, or, for large sweeps, shares per bin of numbers. */
export type TokenCountsData = { extent: [number, number]; counts: number[]; scans: TokenScan[] } & (
  { kind: 'points'; rows: TokenCountPoint[] } | { kind: 'binned'; binWidth: number; rows: TokenCountBin[] }
);

/** Reads the token counts of each scanned panel, as dots when they fit the mark budget, binned otherwise. */
export async function collectTokenCounts(
  storage: SweepStorage,
  parts: PartRecord[],
  scans: TokenScan[],
): Promise<TokenCountsData> {
  const extent = sharedExtent(scans);
  const counts = tokenCountsSeen(scans);
  const total = scans.reduce((sum, s) => sum + s.numbers, 0);
  const read = (scan: TokenScan, visit: (numbers: Float64Array, counts: Int32Array) => void) =>
    forEachBatch(storage, panelParts(parts, 'tokens', scan.panel), ['number', 'token_count'], (batch) =>
      visit(int64Values(batch, 'number'), int32Values(batch, 'token_count')),
    );

  if (total <= MAX_MARKS) {
    const rows: TokenCountPoint[] = [];
    for (const scan of scans) {
      const jitter = jitterSource();
      await read(scan, (numbers, tokenCounts) => {
        for (let i = 0; i < numbers.length; i++) {
          rows.push({
            panel: scan.panel.label,
            number: numbers[i],
            count: tokenCounts[i],
            y: tokenCounts[i] + jitter(),
          });
        }
      });
    }
    return { kind: 'points', extent, counts, scans, rows };
  }

  // Every bin can hold one rectangle per token count, so the bin count shrinks as counts multiply.
  const maxBins = Math.max(
    1,
    Math.min(MAX_NUMBER_BINS, Math.floor(MAX_MARKS / scans.length / Math.max(1, counts.length))),
  );
  const bins = new NumberBins(extent[0], extent[1], maxBins);
  const rows: TokenCountBin[] = [];
  for (const scan of scans) {
    const perBin = new Float64Array(bins.count);
    const perBinAndCount = new Map<number, number>();
    await read(scan, (numbers, tokenCounts) => {
      for (let i = 0; i < numbers.length; i++) {
        const bin = bins.index(numbers[i]);
        perBin[bin]++;
        const key = bin * 4096 + tokenCounts[i];
        perBinAndCount.set(key, (perBinAndCount.get(key) ?? 0) + 1);
      }
    });
    for (const [key, n] of [...perBinAndCount.entries()].sort((a, b) => a[0] - b[0])) {
      const bin = Math.floor(key / 4096);
      rows.push({
        panel: scan.panel.label,
        start: bins.start(bin),
        end: bins.end(bin),
        count: key % 4096,
        share: n / perBin[bin],
      });
    }
  }
  return { kind: 'binned', extent, counts, scans, binWidth: bins.width, rows };
}
