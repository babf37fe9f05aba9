import { Table } from '#arrow';
import { ExactSum } from '../compute/exact-sum';
import { NumberFormat } from '../spec/vocabulary';
import { asStorage, SweepLocation } from '../storage/as-storage';
import { SweepStorage } from '../storage/sweep-storage';
import { readPart } from './read-part';
import { parsePcaSummary } from './pca-summary';
import { readParquetFooter } from './parquet-footer';
import { PartRecord } from './part-record';
import {
  PART_SUMMARY_KEY,
  PartSummary,
  SUMMARY_COLUMNS,
  SummarizedAnalysis,
  summarizePart,
} from './part-summary';

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
  successiveCosine?: {
    rows: number;
    withCosine: number;
    mean: number | null;
    min: number | null;
    max: number | null;
  };
  /** Off the diagonal: the cosines between distinct numbers of the matrix. */
  cosineMatrix?: { numbers: number; mean: number | null; min: number | null; max: number | null };
  fourier?: { runLength: number; topPeriods: { period: number; normalizedPower: number }[] };
  /** N, the numbers with an embedding, and each principal component's share of their variance. */
  pca?: { numbers: number; explainedVarianceRatio: number[] };
}

export interface Summary {
  entries: SummaryEntry[];
}

/**
 * Builds the summary from the part files themselves (the one source of truth, embedded or
 * distributed): from the summary each part's footer carries, or from its rows where it carries none.
 * Every figure merges exactly, so the summary does not depend on how the sweep was chunked.
 */
export async function summarize(
  location: SweepLocation,
  parts: PartRecord[],
  models: { id: string; slug: string }[],
  formats: NumberFormat[],
): Promise<Summary> {
  const storage = asStorage(location);
  const entries: SummaryEntry[] = [];
  for (const model of models) {
    for (const format of formats) {
      const mine = parts.filter((p) => p.slug === model.slug && p.format === format);
      if (mine.length === 0) continue;
      const read = <A extends SummarizedAnalysis>(analysis: A) =>
        Promise.all(
          mine.filter((p) => p.analysis === analysis).map((p) => partSummary(storage, p, analysis)),
        );
      const has = (analysis: string) => mine.some((p) => p.analysis === analysis);
      const entry: SummaryEntry = { model: model.id, slug: model.slug, format };
      if (has('tokens')) entry.tokens = mergeTokens(await read('tokens'));
      if (has('sign-symmetry')) entry.signSymmetry = mergeSignSymmetry(await read('sign-symmetry'));
      if (has('successive-cosine')) entry.successiveCosine = mergeCosines(await read('successive-cosine'));
      if (has('cosine-matrix')) entry.cosineMatrix = mergeMatrix(await read('cosine-matrix'));
      if (has('fourier')) {
        const tables = mine
          .filter((p) => p.analysis === 'fourier')
          .map((p) => readPart(storage, p.path, ['period', 'normalized_power']));
        entry.fourier = summarizeFourier(await Promise.all(tables));
      }
      const pca = mine.find((p) => p.analysis === 'pca');
      if (pca) entry.pca = await pcaEntry(storage, pca);
      entries.push(entry);
    }
  }
  return { entries };
}

type SummaryOf<A extends SummarizedAnalysis> = Extract<PartSummary, { analysis: A }>;

async function partSummary<A extends SummarizedAnalysis>(
  storage: SweepStorage,
  part: PartRecord,
  analysis: A,
): Promise<SummaryOf<A>> {
  if (part.summary) return part.summary as SummaryOf<A>;
  const table = await readPart(storage, part.path, SUMMARY_COLUMNS[analysis]);
  return summarizePart(analysis, table) as SummaryOf<A>;
}

function mergeTokens(parts: SummaryOf<'tokens'>[]): NonNullable<SummaryEntry['tokens']> {
  const histogram = new Map<number, number>();
  let numbers = 0;
  let firstMultiToken: number | null = null;
  for (const part of parts) {
    for (const [count, n] of Object.entries(part.histogram))
      histogram.set(Number(count), (histogram.get(Number(count)) ?? 0) + n);
    numbers += part.numbers;
    if (part.firstMultiToken !== null && (firstMultiToken === null || part.firstMultiToken < firstMultiToken))
      firstMultiToken = part.firstMultiToken;
  }
  const sorted = [...histogram.entries()].sort((a, b) => a[0] - b[0]);
  return {
    numbers,
    histogram: Object.fromEntries(sorted.map(([count, n]) => [String(count), n])),
    singleTokenShare: numbers === 0 ? 0 : (histogram.get(1) ?? 0) / numbers,
    firstMultiToken,
  };
}

function mergeSignSymmetry(parts: SummaryOf<'sign-symmetry'>[]): NonNullable<SummaryEntry['signSymmetry']> {
  const total = { pairs: 0, countMatches: 0, idsMatches: 0 };
  for (const part of parts) {
    total.pairs += part.pairs;
    total.countMatches += part.countMatches;
    total.idsMatches += part.idsMatches;
  }
  return total;
}

function mergeCosines(
  parts: SummaryOf<'successive-cosine'>[],
): NonNullable<SummaryEntry['successiveCosine']> {
  const sum = new ExactSum();
  let rows = 0;
  let withCosine = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const part of parts) {
    rows += part.rows;
    withCosine += part.withCosine;
    sum.merge(new ExactSum(part.sum));
    if (part.min !== null && part.min < min) min = part.min;
    if (part.max !== null && part.max > max) max = part.max;
  }
  return withCosine === 0
    ? { rows, withCosine, mean: null, min: null, max: null }
    : { rows, withCosine, mean: sum.value() / withCosine, min, max };
}

function mergeMatrix(parts: SummaryOf<'cosine-matrix'>[]): NonNullable<SummaryEntry['cosineMatrix']> {
  const sum = new ExactSum();
  let numbers = 0;
  let offDiagonal = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const part of parts) {
    numbers += part.numbers;
    offDiagonal += part.offDiagonal;
    sum.merge(new ExactSum(part.sum));
    if (part.min !== null && part.min < min) min = part.min;
    if (part.max !== null && part.max > max) max = part.max;
  }
  return offDiagonal === 0
    ? { numbers, mean: null, min: null, max: null }
    : { numbers, mean: sum.value() / offDiagonal, min, max };
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

/** The PCA figures a `pca` part's footer carries: its rows cannot give them (the total variance is in no column). */
async function pcaEntry(storage: SweepStorage, part: PartRecord): Promise<NonNullable<SummaryEntry['pca']>> {
  const { metadata } = await readParquetFooter(storage, part.path);
  const summary = parsePcaSummary(metadata[PART_SUMMARY_KEY]);
  if (!summary) throw new Error(`${part.path} carries no readable PCA summary in its footer`);
  return { numbers: summary.numbers, explainedVarianceRatio: summary.explainedVarianceRatio };
}
