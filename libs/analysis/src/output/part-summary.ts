import { Bool, Float32, Table, Vector } from '#arrow';
import { Float32ExactSum } from '../compute/exact-sum';
import { Analysis } from '../spec/vocabulary';

/** The footer key under which a part carries its own summary, so that finishing a sweep need not read the rows again. */
export const PART_SUMMARY_KEY = 'tokensweep.summary';

/** What one part contributes to summary.json; every field merges across parts in any order with the same result. */
export type PartSummary =
  | { analysis: 'tokens'; numbers: number; histogram: Record<string, number>; firstMultiToken: number | null }
  | { analysis: 'sign-symmetry'; pairs: number; countMatches: number; idsMatches: number }
  | {
      analysis: 'successive-cosine';
      rows: number;
      withCosine: number;
      sum: number[];
      min: number | null;
      max: number | null;
    }
  | {
      analysis: 'cosine-matrix';
      /** Diagonal cells: each number of the matrix has exactly one, in exactly one tile. */
      numbers: number;
      offDiagonal: number;
      sum: number[];
      min: number | null;
      max: number | null;
    };

export type SummarizedAnalysis = PartSummary['analysis'];

/** The columns `summarizePart` reads of each analysis it summarizes: all that finishing reads of a part without a summary. */
export const SUMMARY_COLUMNS: Record<SummarizedAnalysis, string[]> = {
  tokens: ['number', 'token_count'],
  'sign-symmetry': ['count_match', 'ids_match'],
  'successive-cosine': ['cosine'],
  'cosine-matrix': ['row', 'col', 'cosine'],
};

export function isSummarized(analysis: Analysis): analysis is SummarizedAnalysis {
  return Object.hasOwn(SUMMARY_COLUMNS, analysis);
}

/** The summary of one part's rows (a table with at least `SUMMARY_COLUMNS[analysis]`). */
export function summarizePart(analysis: SummarizedAnalysis, table: Table): PartSummary {
  switch (analysis) {
    case 'tokens':
      return tokensSummary(table);
    case 'sign-symmetry':
      return signSymmetrySummary(table);
    case 'successive-cosine':
      return cosineSummary(table);
    case 'cosine-matrix':
      return matrixSummary(table);
  }
}

/** The summary a part's footer carries, or null when it carries none (or one this version cannot read). */
export function partSummaryFromMetadata(
  metadata: Record<string, string>,
  analysis: Analysis,
): PartSummary | null {
  const text = metadata[PART_SUMMARY_KEY];
  if (text === undefined || !isSummarized(analysis)) return null;
  try {
    const summary = JSON.parse(text) as PartSummary;
    return summary?.analysis === analysis && SHAPES[analysis](summary as never) ? summary : null;
  } catch {
    return null;
  }
}

const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isNumberOrNull = (v: unknown) => v === null || Number.isFinite(v);

/** What each summary must hold to be merged; anything else is read from the rows instead. */
const SHAPES: { [A in SummarizedAnalysis]: (s: Extract<PartSummary, { analysis: A }>) => boolean } = {
  tokens: (s) =>
    isCount(s.numbers) &&
    isNumberOrNull(s.firstMultiToken) &&
    typeof s.histogram === 'object' &&
    s.histogram !== null &&
    Object.values(s.histogram).every(isCount),
  'sign-symmetry': (s) => isCount(s.pairs) && isCount(s.countMatches) && isCount(s.idsMatches),
  'successive-cosine': (s) =>
    isCount(s.rows) &&
    isCount(s.withCosine) &&
    Array.isArray(s.sum) &&
    s.sum.every((v) => Number.isFinite(v)) &&
    isNumberOrNull(s.min) &&
    isNumberOrNull(s.max),
  'cosine-matrix': (s) =>
    isCount(s.numbers) &&
    isCount(s.offDiagonal) &&
    Array.isArray(s.sum) &&
    s.sum.every((v) => Number.isFinite(v)) &&
    isNumberOrNull(s.min) &&
    isNumberOrNull(s.max),
};

function tokensSummary(table: Table): PartSummary {
  const values = table.getChild('number')!.toArray() as BigInt64Array;
  const counts = table.getChild('token_count')!.toArray() as Int32Array;
  const perCount = countsOf(counts);
  const histogram: Record<string, number> = {};
  for (let count = 0; count < perCount.length; count++)
    if (perCount[count] > 0) histogram[count] = perCount[count];
  return {
    analysis: 'tokens',
    numbers: counts.length,
    histogram,
    firstMultiToken: firstMultiToken(values, counts),
  };
}

/*
 * The per-row loops of the summaries are functions of typed arrays alone: each is optimized once per
 * thread. Written inline, in functions that also build objects, V8 compiled the loop on the fly and
 * threw the code away when it reached the rest of the function, five or six times per thread.
 */

/** How many rows have each token count: index c holds the rows of c tokens. */
function countsOf(counts: Int32Array): Int32Array {
  let most = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > most) most = counts[i];
  const perCount = new Int32Array(most + 1);
  for (let i = 0; i < counts.length; i++) perCount[counts[i]]++;
  return perCount;
}

/** The least non-negative number of more than one token, or null. */
function firstMultiToken(values: BigInt64Array, counts: Int32Array): number | null {
  let first = -1;
  for (let i = 0; i < counts.length; i++) {
    // only a multi-token number can be the first one: the BigInt is converted for those alone
    if (counts[i] > 1) {
      const n = Number(values[i]);
      if (n >= 0 && (first < 0 || n < first)) first = n;
    }
  }
  return first < 0 ? null : first;
}

/*
 * The summaries read a column's buffers, not its values one by one through Arrow's iterator: a
 * chunk's summary then costs a pass over a typed array. In arrow-js a slice's value buffer starts at
 * its first row, while a boolean column's bits (like every validity bitmap, which `Data.getValid`
 * reads) start at `offset`.
 */

/** The rows of a boolean column that are true (nulls are not). */
function countTrue(column: Vector<Bool>): number {
  let count = 0;
  for (const data of column.data) {
    const bits = data.values;
    for (let i = 0; i < data.length; i++) {
      const bit = data.offset + i;
      if ((bits[bit >> 3] >> (bit & 7)) & 1 && data.getValid(i)) count++;
    }
  }
  return count;
}

function signSymmetrySummary(table: Table): PartSummary {
  const countMatches = countTrue(table.getChild('count_match') as Vector<Bool>);
  const idsMatches = countTrue(table.getChild('ids_match') as Vector<Bool>);
  return { analysis: 'sign-symmetry', pairs: table.numRows, countMatches, idsMatches };
}

function cosineSummary(table: Table): PartSummary {
  const sum = new Float32ExactSum();
  const bounds = new Float64Array([Infinity, -Infinity]);
  let withCosine = 0;
  for (const data of (table.getChild('cosine') as Vector<Float32>).data) {
    const validity = data.nullCount > 0 ? data.nullBitmap! : null;
    withCosine += sum.addColumn(data.values, validity, data.offset, data.length, bounds);
  }
  return {
    analysis: 'successive-cosine',
    rows: table.numRows,
    withCosine,
    sum: sum.toJSON(),
    min: withCosine === 0 ? null : bounds[0],
    max: withCosine === 0 ? null : bounds[1],
  };
}

function matrixSummary(table: Table): PartSummary {
  const rows = table.getChild('row')!.toArray() as BigInt64Array;
  const cols = table.getChild('col')!.toArray() as BigInt64Array;
  const cosine = table.getChild('cosine')!.toArray() as Float32Array;
  const sum = new Float32ExactSum();
  let numbers = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < cosine.length; i++) {
    if (rows[i] === cols[i]) {
      numbers++;
      continue;
    }
    sum.add(cosine[i]);
    if (cosine[i] < min) min = cosine[i];
    if (cosine[i] > max) max = cosine[i];
  }
  const offDiagonal = cosine.length - numbers;
  return {
    analysis: 'cosine-matrix',
    numbers,
    offDiagonal,
    sum: sum.toJSON(),
    min: offDiagonal === 0 ? null : min,
    max: offDiagonal === 0 ? null : max,
  };
}
