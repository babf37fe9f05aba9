import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Which micro-kernel runs the product: every variant gives the same bits (see native/src/gemm.h). */
export type GemmVariant = 'auto' | 'portable' | 'avx2' | 'avx512';

/** Which code computes successive cosines: every variant gives the same bits (see native/src/dots.h). */
export type DotsVariant = 'auto' | 'portable' | 'avx2';

/** The compiled addon of `libs/analysis/native`. */
export interface NativeGemm {
  /**
   * `a` · `b`ᵀ (row-major), computed off the JS thread (symmetric when `b` is `a`), into `out`, or
   * when `out` is null into a new array in memory the addon allocates (2 MiB pages when large).
   */
  multiplyTransposed(
    a: Float32Array,
    rows: number,
    b: Float32Array,
    cols: number,
    dim: number,
    out: Float32Array | null,
    options?: { threads?: number; variant?: GemmVariant },
  ): Promise<Float32Array>;
  /** Steps of the width each chain of fused multiply-adds runs over, before the chains are added in order. */
  readonly slice: number;
  /**
   * The cosine of each number of a chunk with the one before (number i's tokens at
   * `ids[offsets[i]..offsets[i + 1])`), into `out[i - 1]`, NaN where either has no embedding; in float64,
   * with the bits of `SuccessiveDots`. Throws on a token id outside the matrix.
   */
  successiveCosines(
    data: Float32Array,
    rows: number,
    dim: number,
    ids: Int32Array,
    offsets: Int32Array,
    pooling: 'mean' | 'none',
    out: Float64Array,
    options?: { variant?: DotsVariant },
  ): Float64Array;
  /**
   * Writes `bytes` to `temp`, syncs and closes it, and renames it to `target`, in one task of libuv's
   * pool; resolves with the byte count. On failure `temp` is removed and the Error is as Node's fs
   * makes them (`code`, `syscall`, "EFBIG: file too large, write").
   */
  writeFileDurably(temp: string, target: string, bytes: Uint8Array): Promise<number>;
  /**
   * The exact number tokenizer over copies of NumberBpe's tables (`nativeTables`) and the
   * tokenizer's split rules, as (digits per piece, 0 for no limit; 1 if a space joins the digits
   * after it) pairs. Used from the thread that made it.
   */
  createNumberBpe(
    globalIds: Int32Array,
    tokenBytes: Uint8Array,
    tokenEnds: Int32Array,
    charLocal: Int32Array,
    mergeKeys: Int32Array,
    mergeRanks: Int32Array,
    mergeResults: Int32Array,
    ignoreMerges: boolean,
    splits: Int32Array,
  ): NativeNumberBpe;
  /**
   * Formats each of `values` (safe integers) as `format` (0 plain, 1 space, 2 comma) and tokenizes
   * it: [offsets, ids, textEnds, text], number i's ids at `ids[offsets[i]..offsets[i + 1])` and its
   * text's bytes at `text[textEnds[i]..textEnds[i + 1])`. Throws a RangeError on a value that is not
   * a safe integer.
   */
  encodeNumbers(
    tokenizer: NativeNumberBpe,
    values: Float64Array,
    format: 0 | 1 | 2,
  ): [Int32Array, Int32Array, Int32Array, Uint8Array];
  /**
   * One column chunk's data page (levels, then values PLAIN or DELTA_BINARY_PACKED) compressed by
   * zstd at `level` (native/src/parquet-pages.h): [page, uncompressed length, the page's value count,
   * nulls, min, max], min and max as their little-endian bytes (null for byte arrays or when no value
   * is set). `type` and `encoding` are Parquet's numbers; a list column's items are the leaf values
   * `listOffsets[0]..listOffsets[rows]`. Throws a RangeError when a buffer is too short for its rows.
   */
  encodeParquetPage(
    type: number,
    encoding: number,
    rows: number,
    optional: boolean,
    values: Int32Array | BigInt64Array | Float32Array | Float64Array | Uint8Array | null,
    bitOffset: number,
    offsets: Int32Array | null,
    data: Uint8Array | null,
    validity: Uint8Array | null,
    validityOffset: number,
    listOffsets: Int32Array | null,
    level: number,
  ): [Uint8Array, number, number, number, Uint8Array | null, Uint8Array | null];
  /**
   * Asks the kernel to back the 2 MiB-aligned interior of `view`'s memory with 2 MiB pages before it
   * is first written (a hint: true if taken, false without transparent huge pages or under 2 MiB).
   */
  adviseHugePages(view: ArrayBufferView): boolean;
  /** The version number of the zstd library the addon loaded (10504 for 1.5.4), 0 when it found none. */
  zstdVersion(): number;
  /** The variants this CPU can run, and the one `auto` picks. */
  variants(): { best: Exclude<GemmVariant, 'auto'>; supported: Exclude<GemmVariant, 'auto'>[] };
}

/** A tokenizer the addon holds (createNumberBpe): opaque to JavaScript. */
export type NativeNumberBpe = { readonly __nativeNumberBpe: unique symbol };

const ADDON = join('native', 'build', 'Release', 'tokensweep_gemm.node');

let loaded: NativeGemm | undefined;

/**
 * The addon, found next to the library: `libs/analysis/native/…` from the sources,
 * `dist/libs/analysis/native/…` from the build (which copies it there).
 */
export function nativeGemm(): NativeGemm {
  if (loaded) return loaded;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const path = join(dir, ADDON);
    if (existsSync(path)) return (loaded = createRequire(__filename)(path) as NativeGemm);
    if (dirname(dir) === dir) break;
  }
  throw new Error(
    `the cosine kernel's native code is not built (no ${ADDON} above ${__dirname}): run \`npm run build:native\`, which needs a C compiler, make, python3 and Node's headers`,
  );
}
