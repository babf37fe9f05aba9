import {
  float32Column,
  int32Column,
  int32ListColumn,
  int64Column,
  utf8Column,
  utf8ListColumn,
} from '../../libs/analysis/src/output/arrow-columns';
import { encodeParquet, tableOf } from '../../libs/analysis/src/output/parquet-file';
import { partMetadata } from '../../libs/analysis/src/output/provenance';
import { ANALYSIS_SCHEMAS } from '../../libs/analysis/src/output/schemas';
import { partPath, writeFileAtomically } from '../../libs/analysis/src/output/sweep-layout';
import { NumberFormat } from '../../libs/analysis/src/spec/vocabulary';

/** A model × format of a synthetic sweep. */
export interface SyntheticPanel {
  slug: string;
  format: NumberFormat;
}

export interface SyntheticSweep {
  panels: SyntheticPanel[];
  /** Consecutive integers from `from`, `count` of them, split into parts of `partSize`. */
  from: number;
  count: number;
  partSize?: number;
  /** Numbers entering the matrix (the first ones of the sweep); 0: no cosine-matrix parts. */
  matrixNumbers?: number;
}

/**
 * Writes the part files of a sweep without any model, in the documented layout and schemas, with
 * values that are functions of the number: figures of sweeps far larger than a test could compute,
 * in a fraction of a second.
 */
export async function writeSyntheticSweep(dir: string, sweep: SyntheticSweep): Promise<void> {
  const partSize = sweep.partSize ?? 50_000;
  for (const panel of sweep.panels) {
    const model = {
      id: `synthetic/${panel.slug}`,
      slug: panel.slug,
      revision: null,
      tokenizerSha256: '0'.repeat(64),
      tokenizer: null,
      embeddingSha256: null,
      matrix: null,
    };
    const write = (
      analysis: 'tokens' | 'successive-cosine' | 'cosine-matrix',
      part: number,
      columns: Parameters<typeof tableOf>[1],
    ) =>
      writeFileAtomically(
        dir,
        partPath(analysis, panel.slug, panel.format, part),
        encodeParquet(
          tableOf(ANALYSIS_SCHEMAS[analysis], columns),
          partMetadata(model, { analysis, format: panel.format, pooling: 'mean', specHash: 'synthetic' }),
        ),
      );
    for (let part = 0, start = 0; start < sweep.count; part++, start += partSize) {
      const size = Math.min(partSize, sweep.count - start);
      const numbers = Float64Array.from({ length: size }, (_, i) => sweep.from + start + i);
      const counts = Int32Array.from(numbers, (n) => tokenCount(n));
      const offsets = new Int32Array(size + 1);
      counts.forEach((c, i) => (offsets[i + 1] = offsets[i] + c));
      const ids = Int32Array.from({ length: offsets[size] }, (_, k) => (k * 7919) % 50_000);
      const texts = [...numbers].map(String);
      const pieces = Array.from({ length: offsets[size] }, (_, k) => `t${k % 10}`);
      await write('tokens', part, [
        int64Column(numbers),
        utf8Column(texts),
        int32Column(counts),
        int32ListColumn(offsets, ids),
        utf8ListColumn(offsets, pieces),
      ]);

      const previous = Float64Array.from(numbers, (n) => n - 1);
      const cosines = Float32Array.from(numbers, (n) => 0.5 + 0.3 * Math.sin(n / 50));
      const valid = Uint8Array.from(numbers, (n) => (n % 97 === 0 ? 0 : 1));
      const from = start === 0 ? 1 : 0; // the sweep's first number has no predecessor
      await write('successive-cosine', part, [
        int64Column(numbers.subarray(from)),
        int64Column(previous.subarray(from)),
        float32Column(cosines.subarray(from), valid.subarray(from)),
      ]);
    }
    const m = sweep.matrixNumbers ?? 0;
    if (m > 0) {
      const rows = new Float64Array(m * m);
      const cols = new Float64Array(m * m);
      const cosine = new Float32Array(m * m);
      for (let r = 0; r < m; r++) {
        for (let c = 0; c < m; c++) {
          rows[r * m + c] = sweep.from + r;
          cols[r * m + c] = sweep.from + c;
          cosine[r * m + c] = Math.exp(-Math.abs(r - c) / 10);
        }
      }
      await write('cosine-matrix', 0, [int64Column(rows), int64Column(cols), float32Column(cosine)]);
    }
  }
}

/** Token counts that vary with the number's size, as a BPE tokenizer's do. */
function tokenCount(n: number): number {
  return 1 + Math.floor(Math.log10(Math.abs(n) + 1) / 2) + (n < 0 ? 1 : 0);
}
