import { PartRecord } from '../output/part-record';
import { NumberBins } from './mark-budget';
import { Panel, panelParts } from './panels';
import { float32OrNaN, forEachBatch, int32Values, int64Values } from './part-columns';

/** Numbers the table figure lists when the sweep has them; otherwise it picks evenly spaced ones. */
const PREFERRED = [0, 1, 2, 7, 10, 42, 100, 365, 1000, 2024];
const TABLE_NUMBERS = 8;
const TABLE_RANKS = 5;
const SHARE_BINS = 60;

/** A token's text counts as a number when, spaces aside, it is digits with an optional sign and separators. */
const NUMERAL = /^[-+−]?\d[\d,._]*$/u;

export function isNumeral(token: string | null): boolean {
  return token !== null && NUMERAL.test(token.trim());
}

/** One panel's nearest tokens: a few numbers' top ranks for the table, and the share of nearest tokens that are numerals along the sweep. */
export interface NeighborsPanel {
  panel: Panel;
  table: { number: number; rank: number; token: string | null; tokenId: number; cosine: number }[];
  bins: { start: number; end: number; share: number; numbers: number }[];
  numbers: number;
  numeralNearest: number;
}

export interface NeighborsData {
  panels: NeighborsPanel[];
}

/** Reads the `neighbors` parts of the panels twice: once for the rank-1 tokens, once for the chosen numbers' rows. */
export async function collectNeighbors(
  sweepDir: string,
  parts: PartRecord[],
  panels: Panel[],
): Promise<NeighborsData> {
  const collected: NeighborsPanel[] = [];
  for (const panel of panels) {
    const mine = panelParts(parts, 'neighbors', panel);
    const firsts: { number: number; numeral: boolean }[] = [];
    await forEachBatch(sweepDir, mine, ['number', 'rank', 'token'], (batch) => {
      const numbers = int64Values(batch, 'number');
      const ranks = int32Values(batch, 'rank');
      const tokens = batch.getChild('token')!;
      for (let i = 0; i < numbers.length; i++)
        if (ranks[i] === 1) firsts.push({ number: numbers[i], numeral: isNumeral(tokens.get(i)) });
    });
    const chosen = chooseNumbers(firsts.map((f) => f.number));
    const table: NeighborsPanel['table'] = [];
    await forEachBatch(sweepDir, mine, ['number', 'rank', 'token_id', 'token', 'cosine'], (batch) => {
      const numbers = int64Values(batch, 'number');
      const ranks = int32Values(batch, 'rank');
      const ids = int32Values(batch, 'token_id');
      const cosines = float32OrNaN(batch, 'cosine');
      const tokens = batch.getChild('token')!;
      for (let i = 0; i < numbers.length; i++) {
        if (ranks[i] > TABLE_RANKS || !chosen.has(numbers[i])) continue;
        const token = tokens.get(i) as string | null;
        table.push({ number: numbers[i], rank: ranks[i], token, tokenId: ids[i], cosine: cosines[i] });
      }
    });
    collected.push({
      panel,
      table,
      bins: shareBins(firsts),
      numbers: firsts.length,
      numeralNearest: firsts.filter((f) => f.numeral).length,
    });
  }
  return { panels: collected };
}

/** The preferred numbers the sweep has, filled up with evenly spaced others, at most TABLE_NUMBERS. */
function chooseNumbers(numbers: number[]): Set<number> {
  const present = new Set(numbers);
  const chosen = PREFERRED.filter((n) => present.has(n)).slice(0, TABLE_NUMBERS);
  const step = Math.max(1, Math.floor(numbers.length / TABLE_NUMBERS));
  for (let i = 0; i < numbers.length && chosen.length < TABLE_NUMBERS; i += step)
    if (!chosen.includes(numbers[i])) chosen.push(numbers[i]);
  return new Set(chosen);
}

function shareBins(firsts: { number: number; numeral: boolean }[]): NeighborsPanel['bins'] {
  if (firsts.length === 0) return [];
  const bins = new NumberBins(firsts[0].number, firsts[firsts.length - 1].number, SHARE_BINS);
  const totals = new Array<number>(bins.count).fill(0);
  const numerals = new Array<number>(bins.count).fill(0);
  for (const f of firsts) {
    const b = bins.index(f.number);
    totals[b]++;
    if (f.numeral) numerals[b]++;
  }
  return totals.flatMap((total, b) =>
    total === 0
      ? []
      : [{ start: bins.start(b), end: bins.end(b), share: numerals[b] / total, numbers: total }],
  );
}
