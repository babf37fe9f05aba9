import { PartRecord } from '../output/part-record';
import { forEachBatch, int32Values, int64Values } from './part-columns';
import { Panel, panelParts } from './panels';
import { SweepStorage } from '../storage/sweep-storage';

/** What a first, cheap pass over a panel's `tokens` parts finds: enough to decide how to draw it. */
export interface TokenScan {
  panel: Panel;
  numbers: number;
  min: number;
  max: number;
  /** Tokens over all numbers (the points of the token-ids figure). */
  tokens: number;
  /** Numbers per token count. */
  histogram: Map<number, number>;
}

/** Scans the `number` and `token_count` columns of each panel (token ids stay unread). */
export async function scanTokens(
  storage: SweepStorage,
  parts: PartRecord[],
  panels: Panel[],
): Promise<TokenScan[]> {
  const scans: TokenScan[] = [];
  for (const panel of panels) {
    const scan: TokenScan = {
      panel,
      numbers: 0,
      min: Infinity,
      max: -Infinity,
      tokens: 0,
      histogram: new Map(),
    };
    await forEachBatch(storage, panelParts(parts, 'tokens', panel), ['number', 'token_count'], (batch) => {
      const numbers = int64Values(batch, 'number');
      const counts = int32Values(batch, 'token_count');
      for (let i = 0; i < counts.length; i++) {
        if (numbers[i] < scan.min) scan.min = numbers[i];
        if (numbers[i] > scan.max) scan.max = numbers[i];
        scan.tokens += counts[i];
        scan.histogram.set(counts[i], (scan.histogram.get(counts[i]) ?? 0) + 1);
      }
      scan.numbers += counts.length;
    });
    scans.push(scan);
  }
  return scans;
}

/** The extent of the numbers over all panels, for scales the panels share. */
export function sharedExtent(scans: { min: number; max: number; numbers: number }[]): [number, number] {
  const filled = scans.filter((s) => s.numbers > 0);
  if (filled.length === 0) return [0, 0];
  return [Math.min(...filled.map((s) => s.min)), Math.max(...filled.map((s) => s.max))];
}

/** Every token count seen in any panel, ascending. */
export function tokenCountsSeen(scans: TokenScan[]): number[] {
  return [...new Set(scans.flatMap((s) => [...s.histogram.keys()]))].sort((a, b) => a - b);
}
