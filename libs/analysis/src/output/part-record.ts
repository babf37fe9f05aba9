import { ModelProvenance } from '../models/model-cache';
import { Analysis, NumberFormat } from '../spec/vocabulary';
import { asStorage, SweepLocation } from '../storage/as-storage';
import { StoredObject } from '../storage/sweep-storage';
import { readParquetFooter } from './parquet-footer';
import { PartSummary, partSummaryFromMetadata } from './part-summary';
import { provenanceFromMetadata } from './provenance';
import { parsePartPath } from './sweep-layout';

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

/**
 * Every complete part of a sweep, ordered by analysis, model, format and part number: only their
 * footers are read (by byte ranges), never their rows. `listed`: the sweep's objects, when the
 * caller has just listed them.
 */
export async function findParts(location: SweepLocation, listed?: StoredObject[]): Promise<PartRecord[]> {
  const storage = asStorage(location);
  const records: PartRecord[] = [];
  const found = (listed ?? (await storage.list())).filter((object) => parsePartPath(object.path));
  const footers = await inBatches(found, 16, (object) =>
    readParquetFooter(storage, object.path, object.bytes),
  );
  for (const [i, { path: relative }] of found.entries()) {
    const parsed = parsePartPath(relative)!;
    const { rows, metadata, bytes: size } = footers[i];
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

/** `work` over every item, at most `width` at once (a sweep may have thousands of parts). */
async function inBatches<T, R>(items: T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width)
    results.push(...(await Promise.all(items.slice(i, i + width).map(work))));
  return results;
}
