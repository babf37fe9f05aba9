import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nativeGemm } from '../compute/native-gemm';
import { matrixMemory, toFloat32 } from './safetensors';
import { encodeFloats } from './safetensors-writer';

/**
 * The dtype conversions, both ways, against oracles written from the formats' definitions: an
 * IEEE half is `significand · 2^exponent` with an 11-bit significand (10 bits below 2^-14), a
 * bfloat16 is the top half of a float32, and rounding goes to the nearest value, ties to the even
 * encoding. Exhaustive over all 65,536 encodings where that is cheap.
 */
const ALL_CODES = Uint16Array.from({ length: 65536 }, (_, i) => i);

/** The value of a half-precision code, from its definition. */
function halfValue(code: number): number {
  const sign = code & 0x8000 ? -1 : 1;
  const exponent = (code >> 10) & 0x1f;
  const fraction = code & 0x3ff;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return exponent === 0 ? sign * fraction * 2 ** -24 : sign * (1024 + fraction) * 2 ** (exponent - 25);
}

/** The value of a bfloat16 code: a float32 whose low 16 bits are zero. */
function bf16Value(code: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, code << 16);
  return view.getFloat32(0);
}

const POSITIVE_HALVES = Float64Array.from({ length: 0x7c00 }, (_, code) => halfValue(code)); // 0 … 65504, then Inf at 0x7c00

/** The half code nearest to `value`, ties to even; beyond the largest finite half's rounding range, infinity. */
function nearestHalf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return sign | 0x7c00; // 65520 is halfway from 65504 to 2^16 and ties to the even (infinite) code
  let lo = 0;
  let hi = POSITIVE_HALVES.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (POSITIVE_HALVES[mid] <= magnitude) lo = mid;
    else hi = mid;
  }
  const below = magnitude - POSITIVE_HALVES[lo];
  const above = POSITIVE_HALVES[hi] - magnitude;
  const code = below < above ? lo : above < below ? hi : lo % 2 === 0 ? lo : hi;
  return sign | code;
}

/** The bfloat16 code nearest to a float32, ties to even (to infinity past the largest finite one). */
function nearestBf16(value: number): number {
  if (Number.isNaN(value)) return 0x7fc0;
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  const bits = view.getUint32(0);
  if ((bits & 0x7fffffff) === 0x7f800000) return bits >>> 16;
  const lo = bits >>> 16;
  const magnitude = Math.abs(value);
  const below = magnitude - Math.abs(bf16Value(lo));
  // the code after 0x7f7f is infinity, but for distances it stands for 2^128
  const next = (lo & 0x7fff) === 0x7f7f ? 2 ** 128 : Math.abs(bf16Value(lo + 1));
  const above = next - magnitude;
  return below < above ? lo : above < below ? lo + 1 : lo % 2 === 0 ? lo : lo + 1;
}

/** The first few values whose code is not the nearest one (any NaN code will do for a NaN). */
function misrounded(
  values: Float32Array,
  codes: Uint16Array,
  nearest: (v: number) => number,
  value: (code: number) => number,
) {
  const wrong: { value: number; got: string; want: string }[] = [];
  values.forEach((v, i) => {
    const ok = Number.isNaN(v) ? Number.isNaN(value(codes[i])) : codes[i] === nearest(v);
    if (!ok && wrong.length < 10)
      wrong.push({ value: v, got: codes[i].toString(16), want: nearest(v).toString(16) });
  });
  return wrong;
}

const codesOf = (bytes: Uint8Array) => new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
const littleEndian = (codes: Uint16Array) => Buffer.from(codes.buffer, codes.byteOffset, codes.byteLength);
const asF32 = (values: number[]) => Float32Array.from(values);

/** Float32 values just around each given value: the value, and its float32 neighbours. */
function withNeighbours(values: Float64Array | number[]): Float32Array {
  const out: number[] = [];
  const view = new DataView(new ArrayBuffer(4));
  for (const v of values) {
    view.setFloat32(0, v);
    const bits = view.getUint32(0);
    for (const delta of [-1, 0, 1]) {
      view.setUint32(0, (bits + delta) >>> 0);
      out.push(view.getFloat32(0));
    }
  }
  return asF32(out);
}

/** Midpoints between consecutive positive halves and their negations: every tie the F16 encoder can meet. */
const HALF_TIES = (() => {
  const ties: number[] = [];
  for (let i = 0; i + 1 < POSITIVE_HALVES.length; i++) {
    const middle = (POSITIVE_HALVES[i] + POSITIVE_HALVES[i + 1]) / 2;
    ties.push(middle, -middle);
  }
  return ties;
})();

/** Whether this kernel gives 2 MiB pages to memory that asks for them (transparent huge pages not `never`). */
const THP = '/sys/kernel/mm/transparent_hugepage/enabled';
const hugePagesOn = existsSync(THP) && !readFileSync(THP, 'utf8').includes('[never]');

/** How many of this process's mappings carry MADV_HUGEPAGE (`hg` among their VmFlags). */
function adviseHugeMappings(): number {
  return (readFileSync('/proc/self/smaps', 'utf8').match(/^VmFlags:.*\bhg\b/gm) ?? []).length;
}

describe(matrixMemory.name, () => {
  it('gives zeroed float32 memory of the count asked for, shared or not', () => {
    const shared = matrixMemory(3 << 20, true);
    const own = matrixMemory(1000);
    expect(shared.length).toBe(3 << 20);
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(own.buffer).toBeInstanceOf(ArrayBuffer);
    expect(shared.every((v) => v === 0) && own.every((v) => v === 0)).toBe(true);
  });

  it.runIf(process.platform === 'linux' && hugePagesOn)(
    'asks the kernel for 2 MiB pages for the aligned interior of a large matrix',
    () => {
      const before = adviseHugeMappings();
      const matrix = matrixMemory(8 << 20); // 32 MiB
      expect(adviseHugeMappings()).toBeGreaterThan(before);
      expect(nativeGemm().adviseHugePages(new Float32Array(1 << 18))).toBe(false); // 1 MiB holds no aligned huge page
      expect(matrix.length).toBe(8 << 20);
    },
  );

  it('refuses what is not a typed array', () => {
    expect(() => nativeGemm().adviseHugePages(new ArrayBuffer(8) as unknown as Uint8Array)).toThrow(
      /view must be a typed array/,
    );
  });
});

describe(toFloat32.name, () => {
  it('reads F32 little-endian bytes exactly', () => {
    const values = [0, -0, 1, -1.5, 0.1, 2 ** -149, 3.4028234663852886e38, -Infinity];
    const bytes = Buffer.alloc(4 * values.length);
    values.forEach((v, i) => bytes.writeFloatLE(v, 4 * i));
    expect([...toFloat32(bytes, 'F32')]).toEqual(values.map(Math.fround));
  });

  it('reads every F16 code as its value', () => {
    const decoded = toFloat32(littleEndian(ALL_CODES), 'F16');
    const wrong = [...ALL_CODES].filter((code) => !Object.is(decoded[code], halfValue(code)));
    expect(wrong.map((code) => code.toString(16))).toEqual([]);
  });

  it('reads every BF16 code as its value', () => {
    const decoded = toFloat32(littleEndian(ALL_CODES), 'BF16');
    const wrong = [...ALL_CODES].filter((code) => !Object.is(decoded[code], bf16Value(code)));
    expect(wrong.map((code) => code.toString(16))).toEqual([]);
  });

  it('refuses a dtype it cannot read, naming it', () => {
    expect(() => toFloat32(Buffer.alloc(4), 'I32')).toThrow(/dtype I32 .*expected F32, F16, BF16/);
  });
});

describe(encodeFloats.name, () => {
  it('writes F32 as the same bytes', () => {
    const values = asF32([0, -0, 1, -1.5, 0.1, 2 ** -149, NaN, Infinity]);
    expect(Buffer.from(encodeFloats(values, 'F32'))).toEqual(Buffer.from(values.buffer));
  });

  describe.each([
    { dtype: 'F16', nearest: nearestHalf, value: halfValue },
    { dtype: 'BF16', nearest: nearestBf16, value: bf16Value },
  ] as const)('$dtype', ({ dtype, nearest, value }) => {
    const encode = (values: Float32Array) => codesOf(encodeFloats(values, dtype));
    const expectNearest = (values: Float32Array) =>
      expect(misrounded(values, encode(values), nearest, value)).toEqual([]);

    it('round-trips every code through its value (NaNs stay NaN)', () => {
      const values = Float32Array.from(ALL_CODES, value);
      const codes = encode(values);
      const wrong = [...ALL_CODES].filter((code) =>
        Number.isNaN(value(code)) ? !Number.isNaN(value(codes[code])) : codes[code] !== code,
      );
      expect(wrong.map((code) => code.toString(16))).toEqual([]);
    });

    it('rounds every value next to a representable one to the nearest code', () => {
      expectNearest(
        withNeighbours(
          Float64Array.from(
            ALL_CODES.filter((c) => !Number.isNaN(value(c))),
            value,
          ),
        ),
      );
    });

    it('rounds seeded random float32 values of every magnitude to the nearest code', () => {
      let state = 12345;
      const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
      expectNearest(
        asF32(Array.from({ length: 20_000 }, () => (random() - 0.5) * 2 ** (Math.floor(random() * 80) - 40))),
      );
    });

    it('writes NaN as a NaN, whatever its payload', () => {
      const nans = new Float32Array(
        new Uint32Array([0x7fc00000, 0xffc00000, 0x7f800001, 0x7fffffff, 0xff800001]).buffer,
      );
      expect([...encode(nans)].map((code) => Number.isNaN(value(code)))).toEqual([
        true,
        true,
        true,
        true,
        true,
      ]);
    });
  });

  it('F16: rounds every tie to the even code, subnormal ties included', () => {
    const values = asF32(HALF_TIES);
    expect(misrounded(values, codesOf(encodeFloats(values, 'F16')), nearestHalf, halfValue)).toEqual([]);
  });

  it.each([
    [1 + 2 ** -8, 0x3f80],
    [1 + 3 * 2 ** -8, 0x3f82],
    [-(1 + 2 ** -8), 0xbf80],
    [2 ** -134, 0x0000],
    [1.5 * 2 ** -133, 0x0002],
    [2 ** 128 - 2 ** 119 - 2 ** 104, 0x7f7f],
    [2 ** 128 - 2 ** 119, 0x7f80],
  ])(
    'BF16: rounds %d to the code %i (ties to even, to infinity past the largest finite value)',
    (tie, code) => {
      expect(codesOf(encodeFloats(asF32([tie]), 'BF16'))[0]).toBe(code);
    },
  );
});
