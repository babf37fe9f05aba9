import path from 'node:path';
import { Table } from 'apache-arrow';
import { NumberFormat } from '../spec/vocabulary';
import { readParquetTable } from './parquet-file';
import { PartRecord } from './part-record';

/** What summary.json says of one model × format: the comparison researchers read first. */
export interface SummaryEntry {
  model: string;
  slug: string;
  format: NumberFormat;
  tokens?: {
    numbers: number;
    histogram: Record<string, number>;
    singleTokenShare: number;
    firstMultiToken: number | null;
  };
  signSymmetry?: { pairs: number; countMatches: number; idsMatches: number };
  successiveCosine?: { rows: number; withCosine: number; mean: number | null; min: number | null; max: number | null };
  fourier?: { runLength: number; topPeriods: { period: number; normalizedPower: number }[] };
}

export interface Summary {
  entries: SummaryEntry[];
}

/** Builds the summary from the part files themselves (the one source of truth, embedded or distributed). */
export async function summarize(sweepDir: string, parts: PartRecord[], models: { id: string; slug: string }[], formats: NumberFormat[]): Promise<Summary> {
  const entries: SummaryEntry[] = [];
  for (const model of models) {
    for (const format of formats) {
      const mine = parts.filter((p) => p.slug === model.slug && p.format === format);
      if (mine.length === 0) continue;
      const read = (analysis: string, columns: string[]) =>
        Promise.all(mine.filter((p) => p.analysis === analysis).map((p) => readParquetTable(path.join(sweepDir, p.path), columns)));
      const entry: SummaryEntry = { model: model.id, slug: model.slug, format };
      if (mine.some((p) => p.analysis === 'tokens')) entry.tokens = summarizeTokens(await read('tokens', ['number', 'token_count']));
      if (mine.some((p) => p.analysis === 'sign-symmetry')) {
        entry.signSymmetry = summarizeSignSymmetry(await read('sign-symmetry', ['count_match', 'ids_match']));
      }
      if (mine.some((p) => p.analysis === 'successive-cosine')) {
        entry.successiveCosine = summarizeCosines(await read('successive-cosine', ['cosine']));
      }
      if (mine.some((p) => p.analysis === 'fourier')) entry.fourier = summarizeFourier(await read('fourier', ['period', 'normalized_power']));
      entries.push(entry);
    }
  }
  return { entries };
}

function summarizeTokens(tables: Table[]): NonNullable<SummaryEntry['tokens']> {
  const histogram = new Map<number, number>();
  let numbers = 0;
  let firstMultiToken: number | null = null;
  for (const table of tables) {
    const values = table.getChild('number')!.toArray() as BigInt64Array;
    const counts = table.getChild('token_count')!.toArray() as Int32Array;
    for (let i = 0; i < counts.length; i++) {
      histogram.set(counts[i], (histogram.get(counts[i]) ?? 0) + 1);
      const n = Number(values[i]);
      if (counts[i] > 1 && n >= 0 && (firstMultiToken === null || n < firstMultiToken)) firstMultiToken = n;
    }
    numbers += counts.length;
  }
  const sorted = [...histogram.entries()].sort((a, b) => a[0] - b[0]);
  return {
    numbers,
    histogram: Object.fromEntries(sorted.map(([count, n]) => [String(count), n])),
    singleTokenShare: numbers === 0 ? 0 : (histogram.get(1) ?? 0) / numbers,
    firstMultiToken,
  };
}

function summarizeSignSymmetry(tables: Table[]): NonNullable<SummaryEntry['signSymmetry']> {
  let pairs = 0;
  let countMatches = 0;
  let idsMatches = 0;
  for (const table of tables) {
    pairs += table.numRows;
    for (const v of table.getChild('count_match')!) if (v) countMatches++;
    for (const v of table.getChild('ids_match')!) if (v) idsMatches++;
  }
  return { pairs, countMatches, idsMatches };
}

function summarizeCosines(tables: Table[]): NonNullable<SummaryEntry['successiveCosine']> {
  let rows = 0;
  let withCosine = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const table of tables) {
    rows += table.numRows;
    for (const v of table.getChild('cosine')!) {
      if (v === null) continue;
      withCosine++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return withCosine === 0 ? { rows, withCosine, mean: null, min: null, max: null } : { rows, withCosine, mean: sum / withCosine, min, max };
}

function summarizeFourier(tables: Table[]): NonNullable<SummaryEntry['fourier']> {
  const rows: { period: number; normalizedPower: number }[] = [];
  for (const table of tables) {
    const periods = table.getChild('period')!.toArray() as Float64Array;
    const shares = table.getChild('normalized_power')!.toArray() as Float64Array;
    for (let i = 0; i < periods.length; i++) rows.push({ period: periods[i], normalizedPower: shares[i] });
  }
  const runLength = rows.length === 0 ? 0 : Math.round(rows[0].period);
  return { runLength, topPeriods: rows.sort((a, b) => b.normalizedPower - a.normalizedPower).slice(0, 5) };
}
