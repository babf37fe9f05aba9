import { ModelProvenance } from '../models/model-cache';
import { formatModelRef, modelSlug, parseModelRef } from '../models/model-ref';
import { SweepSpec } from '../spec/sweep-spec';
import { TOOL_NAME, TOOL_VERSION } from '../version';
import { PartRecord } from './part-record';
import { Summary } from './summary';

export const SWEEP_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];
/** A sweep that may still run chunks: it can be cancelled, failed or completed. */
export const ACTIVE_STATUSES = ['queued', 'running'] as const satisfies readonly SweepStatus[];
/** A sweep that has ended: its manifest is written and no chunk starts for it. */
export const ENDED_STATUSES = ['completed', 'failed', 'cancelled'] as const satisfies readonly SweepStatus[];
/** An ended sweep that a retry may start again, as a new round. */
export const RETRYABLE_STATUSES = ['failed', 'cancelled'] as const satisfies readonly SweepStatus[];
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];
export type EndedStatus = (typeof ENDED_STATUSES)[number];

export function isActiveStatus(status: SweepStatus): status is ActiveStatus {
  return (ACTIVE_STATUSES as readonly SweepStatus[]).includes(status);
}

export function isEndedStatus(status: SweepStatus): status is EndedStatus {
  return (ENDED_STATUSES as readonly SweepStatus[]).includes(status);
}

/** What is known of a sweep's life when its manifest is written. */
export interface SweepRecord {
  id: string;
  status: SweepStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  spec: SweepSpec;
  specHash: string;
}

export interface ManifestFile {
  path: string;
  analysis: string;
  model: string;
  format: string;
  rows: number;
  bytes: number;
}

/** manifest.json: the sweep's record, its models' provenance, every finished part, and the summary. */
export interface Manifest extends Omit<SweepRecord, 'spec' | 'specHash'> {
  schemaVersion: 1;
  tool: { name: string; version: string };
  spec: SweepSpec;
  specHash: string;
  models: ModelProvenance[];
  files: ManifestFile[];
  plots: string[];
  summary: Summary;
}

/** The spec's models as id + slug, in spec order. */
export function specModels(spec: SweepSpec): { id: string; slug: string }[] {
  return spec.models.map((name) => {
    const ref = parseModelRef(name, true);
    return { id: formatModelRef(ref), slug: modelSlug(ref) };
  });
}

export function buildManifest(
  record: SweepRecord,
  parts: PartRecord[],
  summary: Summary,
  plots: string[],
): Manifest {
  const models = specModels(record.spec);
  const idOf = new Map(models.map((m) => [m.slug, m.id]));
  const provenance = models.map(
    (m) =>
      parts.find((p) => p.slug === m.slug)?.provenance ?? {
        id: m.id,
        slug: m.slug,
        revision: null,
        tokenizerSha256: '',
        tokenizer: null,
        embeddingSha256: null,
        matrix: null,
      },
  );
  return {
    schemaVersion: 1,
    id: record.id,
    status: record.status,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    createdAt: record.createdAt,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    error: record.error,
    spec: record.spec,
    specHash: record.specHash,
    models: provenance,
    files: parts.map((p) => ({
      path: p.path,
      analysis: p.analysis,
      model: idOf.get(p.slug) ?? p.slug,
      format: p.format,
      rows: p.rows,
      bytes: p.bytes,
    })),
    plots,
    summary,
  };
}
