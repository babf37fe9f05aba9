/**
 * A sum of doubles kept exactly, as non-overlapping partials (Shewchuk's algorithm, as Python's
 * `math.fsum`), and rounded once at the end. The result is the correctly rounded sum whatever the
 * order of the values and however they were grouped, so sums kept per part and merged later equal
 * the sum of all the values in one pass: a summary does not depend on the chunk size.
 */
export class ExactSum {
  private readonly partials: number[];

  constructor(partials: readonly number[] = []) {
    this.partials = [];
    for (const partial of partials) this.add(partial);
  }

  add(value: number): void {
    const partials = this.partials;
    let x = value;
    let kept = 0;
    for (let i = 0; i < partials.length; i++) {
      let y = partials[i];
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[kept++] = lo;
      x = hi;
    }
    partials.length = kept;
    partials.push(x);
  }

  /** Adds every partial of another sum: the result is the sum of both sets of values. */
  merge(other: ExactSum): void {
    for (const partial of other.partials) this.add(partial);
  }

  /** The exact sum's parts, smallest first; `new ExactSum(parts)` gives the same sum back. */
  toJSON(): number[] {
    return [...this.partials];
  }

  /** The exact sum rounded to the nearest double (ties to even), as CPython's fsum finishes it. */
  value(): number {
    const partials = this.partials;
    let n = partials.length;
    if (n === 0) return 0;
    let hi = partials[--n];
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = partials[--n];
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // hi + lo was rounded half-way and the next partial says which way: round the other way
    if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}

/** Values a bucket of Float32ExactSum takes before it is emptied into the exact sum (well under 2^29). */
const BUCKET_LIMIT = 1 << 20;

/**
 * An exact sum of float32 values, at a few operations each: every float32 of one binary exponent is
 * a multiple of the same power of two with 24 significant bits, so up to 2^29 of them add up in a
 * double without rounding. Values are summed per exponent (256 doubles), and only those totals go
 * through ExactSum, whose partials loop cost a part's summary more than the rest of its work.
 */
export class Float32ExactSum {
  private readonly buckets = new Float64Array(256);
  private readonly scratch = new Float32Array(1);
  private readonly scratchBits = new Uint32Array(this.scratch.buffer);
  private taken = 0;
  private readonly exact = new ExactSum();

  /** Adds a float32 value (one read from a Float32Array; any other double is rounded to float32 first). */
  add(value: number): void {
    this.scratch[0] = value;
    this.buckets[(this.scratchBits[0] >>> 23) & 0xff] += this.scratch[0];
    if (++this.taken === BUCKET_LIMIT) this.empty();
  }

  /**
   * Adds the valid values of a float32 column (`validity` a bitmap whose bit `bitOffset + i` says
   * whether value i is valid, or null when all are) and returns how many it added, with their least
   * and greatest in `bounds` (left as they were when none is valid). One loop over typed arrays, so
   * that it is optimized once and stays so, whatever the table around the column.
   */
  addColumn(
    values: Float32Array,
    validity: Uint8Array | null,
    bitOffset: number,
    length: number,
    bounds: Float64Array,
  ): number {
    let added = 0;
    let min = bounds[0];
    let max = bounds[1];
    for (let i = 0; i < length; i++) {
      if (validity !== null) {
        const bit = bitOffset + i;
        if (((validity[bit >> 3] >> (bit & 7)) & 1) === 0) continue;
      }
      const v = values[i];
      this.add(v);
      added++;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    bounds[0] = min;
    bounds[1] = max;
    return added;
  }

  /** The exact sum's parts, as ExactSum's `toJSON` gives them. */
  toJSON(): number[] {
    this.empty();
    return this.exact.toJSON();
  }

  /** The exact sum rounded to the nearest double, as ExactSum's `value`. */
  value(): number {
    this.empty();
    return this.exact.value();
  }

  private empty(): void {
    for (let e = 0; e < 256; e++) {
      if (this.buckets[e] !== 0) this.exact.add(this.buckets[e]);
      this.buckets[e] = 0;
    }
    this.taken = 0;
  }
}
