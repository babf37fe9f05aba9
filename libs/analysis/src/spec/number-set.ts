import { parseNumberExpression, Progression } from './number-expression';

/** A run of the set: `count` values `start, start + step, …`, or explicit sorted `values` where steps overlap. */
type Piece = { start: number; step: number; count: number } | { values: Float64Array; count: number };

/** Thrown when the set would hold more than the caller's budget of numbers and cannot be counted exactly cheaply. */
export class NumberSetTooLarge extends Error {
  constructor(readonly budget: number) {
    super(`more than ${budget} numbers`);
  }
}

/**
 * Values that overlapping items with different steps may contribute to an explicit merge, over the
 * whole expression: their union has no cheap closed form, so the work is bounded instead.
 */
export const MAX_MERGED_VALUES = 2_000_000;

/**
 * The sorted, de-duplicated union of a number expression's items, held as arithmetic pieces so that
 * its size, `at(i)` and `indexOf(v)` never expand the list (only overlapping items with steps > 1 are
 * merged explicitly, within `budget` values).
 */
export class NumberSet {
  private readonly offsets: number[];
  readonly size: number;

  private constructor(private readonly pieces: Piece[]) {
    this.offsets = [];
    let total = 0;
    for (const piece of pieces) {
      this.offsets.push(total);
      total += piece.count;
    }
    this.size = total;
  }

  /** Parses `expression`; `budget` bounds the values merged explicitly where stepped items overlap. */
  static parse(expression: string, budget = Number.MAX_SAFE_INTEGER): NumberSet {
    return NumberSet.fromProgressions(parseNumberExpression(expression), budget);
  }

  /** The set of a list already sorted ascending without duplicates (a normalized `numbers` list). */
  static fromSortedList(list: readonly number[]): NumberSet {
    return new NumberSet(list.length === 0 ? [] : [{ values: Float64Array.from(list), count: list.length }]);
  }

  /** The set a spec's `numbers` sweeps: an expression, or a normalized list. */
  static of(numbers: string | readonly number[], budget = Number.MAX_SAFE_INTEGER): NumberSet {
    return typeof numbers === 'string' ? NumberSet.parse(numbers, budget) : NumberSet.fromSortedList(numbers);
  }

  static fromProgressions(progressions: Progression[], budget = Number.MAX_SAFE_INTEGER): NumberSet {
    return new NumberSet(buildPieces(progressions, budget));
  }

  /** The value at sorted position `index` (0 ≤ index < size). */
  at(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`index ${index} outside 0..${this.size - 1}`);
    }
    const p = this.pieceAt(index);
    const piece = this.pieces[p];
    const k = index - this.offsets[p];
    return 'values' in piece ? piece.values[k] : piece.start + k * piece.step;
  }

  /** The sorted position of `value`, or -1 when the set does not hold it. */
  indexOf(value: number): number {
    let lo = 0;
    let hi = this.pieces.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const piece = this.pieces[mid];
      const first = firstOf(piece);
      const last = lastOf(piece);
      if (value < first) hi = mid - 1;
      else if (value > last) lo = mid + 1;
      else {
        const position = positionInPiece(piece, value);
        return position < 0 ? -1 : this.offsets[mid] + position;
      }
    }
    return -1;
  }

  has(value: number): boolean {
    return this.indexOf(value) >= 0;
  }

  /** The values at positions `from` (inclusive) to `to` (exclusive), in order. */
  slice(from: number, to: number): Float64Array {
    const end = Math.min(to, this.size);
    const out = new Float64Array(Math.max(0, end - from));
    if (out.length === 0) return out;
    let p = this.pieceAt(from);
    let k = from - this.offsets[p];
    for (let i = 0; i < out.length; i++) {
      const piece = this.pieces[p];
      out[i] = 'values' in piece ? piece.values[k] : piece.start + k * piece.step;
      if (++k === piece.count) {
        p++;
        k = 0;
      }
    }
    return out;
  }

  private pieceAt(index: number): number {
    let lo = 0;
    let hi = this.offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsets[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function firstOf(piece: Piece): number {
  return 'values' in piece ? piece.values[0] : piece.start;
}

function lastOf(piece: Piece): number {
  return 'values' in piece ? piece.values[piece.count - 1] : piece.start + (piece.count - 1) * piece.step;
}

function positionInPiece(piece: Piece, value: number): number {
  if ('values' in piece) {
    let lo = 0;
    let hi = piece.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (piece.values[mid] === value) return mid;
      if (piece.values[mid] < value) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
  const offset = value - piece.start;
  return offset % piece.step === 0 ? offset / piece.step : -1;
}

/**
 * Cuts the number line at every item's start and end so that each segment is covered wholly by the
 * items active in it, then describes each segment arithmetically when one item (or a step-1 item)
 * decides it, and by an explicit merge otherwise.
 */
function buildPieces(progressions: Progression[], budget: number): Piece[] {
  const cuts = [...new Set(progressions.flatMap((p) => [p.start, p.last + 1]))].sort((a, b) => a - b);
  const startsAt = groupBy(progressions, (p) => p.start);
  const endsAt = groupBy(progressions, (p) => p.last + 1);
  const active = new Set<Progression>();
  const pieces: Piece[] = [];
  let merged = 0;
  let candidates = 0;
  for (let c = 0; c < cuts.length - 1; c++) {
    for (const p of endsAt.get(cuts[c]) ?? []) active.delete(p);
    for (const p of startsAt.get(cuts[c]) ?? []) active.add(p);
    if (active.size === 0) continue;
    const from = cuts[c];
    const to = cuts[c + 1] - 1;
    const piece = segmentPiece([...active], from, to, budget - merged, (n) => {
      candidates += n;
      if (candidates > MAX_MERGED_VALUES) {
        throw new Error(
          `items with different steps overlap over more than ${MAX_MERGED_VALUES.toLocaleString('en-US')} values, too many to merge; ` +
            'make stepped items cover separate ranges',
        );
      }
    });
    if (piece === null) continue;
    if ('values' in piece) merged += piece.count;
    pieces.push(piece);
  }
  return pieces;
}

function segmentPiece(
  active: Progression[],
  from: number,
  to: number,
  budget: number,
  spend: (candidates: number) => void,
): Piece | null {
  if (active.some((p) => p.step === 1)) return { start: from, step: 1, count: to - from + 1 };
  const restricted = active.map((p) => restrict(p, from, to)).filter((r) => r.count > 0);
  if (restricted.length === 0) return null;
  if (restricted.length === 1) return restricted[0];
  spend(restricted.reduce((sum, r) => sum + r.count, 0));
  const values = mergeValues(restricted, budget);
  return { values, count: values.length };
}

function restrict(p: Progression, from: number, to: number): { start: number; step: number; count: number } {
  const first = p.start + Math.ceil((from - p.start) / p.step) * p.step;
  const last = Math.min(to, p.last);
  const count = first > last ? 0 : Math.floor((last - first) / p.step) + 1;
  return { start: first, step: p.step, count };
}

/** The sorted union of a few runs whose values, all together, number at most MAX_MERGED_VALUES. */
function mergeValues(runs: { start: number; step: number; count: number }[], budget: number): Float64Array {
  const all = new Float64Array(runs.reduce((sum, r) => sum + r.count, 0));
  let n = 0;
  for (const run of runs) for (let k = 0; k < run.count; k++) all[n++] = run.start + k * run.step;
  all.sort();
  let unique = 0;
  for (let i = 0; i < all.length; i++) {
    if (unique > 0 && all[i] === all[unique - 1]) continue;
    if (unique >= budget) throw new NumberSetTooLarge(budget);
    all[unique++] = all[i];
  }
  return all.slice(0, unique);
}

function groupBy<T>(items: T[], key: (item: T) => number): Map<number, T[]> {
  const map = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
