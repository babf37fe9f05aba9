import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ModelProvenance } from '../models/model-cache';
import { Analysis, NumberFormat } from '../spec/vocabulary';
import { readParquetInfo } from './parquet-file';
import { PartSummary, partSummaryFromMetadata } from './part-summary';
import { provenanceFromMetadata } from './provenance';
import { listFiles, parsePartPath } from './sweep-layout';

/** A finished part file found in a sweep directory, with what its footer says. */
export interface PartRecord {
  path: string;
  analysis: Analysis;
  slug: string;
  format: NumberFormat;
  part: number;
  rows: number;
  bytes: number;
  provenance: ModelProvenance;
  /** The part's own summary from its footer; null for parts written without one. */
  summary: PartSummary | null;
}

/** Every complete part of a sweep directory, ordered by analysis, model, format and part number. */
export async function findParts(sweepDir: string): Promise<PartRecord[]> {
  const records: PartRecord[] = [];
  for (const relative of await listFiles(sweepDir)) {
    const parsed = parsePartPath(relative);
    if (!parsed) continue;
    const file = path.join(sweepDir, relative);
    const [{ rows, metadata }, { size }] = await Promise.all([readParquetInfo(file), stat(file)]);
    records.push({
      path: relative,
      ...parsed,
      rows,
      bytes: size,
      provenance: provenanceFromMetadata(metadata),
      summary: partSummaryFromMetadata(metadata, parsed.analysis),
    });
  }
  const key = (r: PartRecord) => `${r.analysis}\u0000${r.slug}\u0000${r.format}`;
  return records.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.part - b.part));
}
