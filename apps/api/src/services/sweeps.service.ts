import { Injectable, NotFoundException } from '@nestjs/common';
import { Readable } from 'node:stream';
import {
  Analysis,
  ANALYSES,
  constantUtf8Column,
  countTasks,
  figureSpecs,
  Manifest,
  NumberSet,
  ParsedSubmission,
} from '@tokensweep/analysis';
import { SweepLifecycle, SweepNotFoundError, SweepProgress, SweepState, SweepStore } from '@tokensweep/queue';
import { Field, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct, Utf8 } from '#arrow';
import { SweepDto, SweepListDto } from '../dtos/sweep-spec.dto';
import { ResultsRepository } from '../repositories/results.repository';

const MAX_PAGE = 200;

/** What the HTTP routes do with sweeps, apart from parsing and answering. */
@Injectable()
export class SweepsService {
  constructor(
    private readonly lifecycle: SweepLifecycle,
    private readonly store: SweepStore,
    private readonly results: ResultsRepository,
  ) {}

  submit(parsed: ParsedSubmission) {
    return this.lifecycle.submit(parsed.spec, parsed.numbers, parsed.priority);
  }

  async get(id: string): Promise<SweepDto> {
    const state = await this.store.get(id);
    if (state) return this.view(state);
    // Redis lost it (flushed, or a new Redis): the sweep directory still knows how it ended.
    const manifest = await this.results.manifest(id);
    if (!manifest) throw new SweepNotFoundError(id);
    return { ...pick(manifest), priority: null, progress: progressFromManifest(manifest) };
  }

  async list(limit: number, cursor?: string): Promise<SweepListDto> {
    const size = Math.min(Math.max(limit, 1), MAX_PAGE);
    const ids = await this.store.list(size + 1, cursor);
    const page = ids.slice(0, size);
    const items = (await Promise.all(page.map((id) => this.get(id).catch(() => null)))).filter(
      (s): s is SweepDto => s !== null,
    );
    return { items, nextCursor: ids.length > size ? page[page.length - 1] : null };
  }

  async cancel(id: string, purge: boolean): Promise<SweepDto> {
    const state = await this.lifecycle.cancel(id, purge);
    return purge ? this.view(state, true) : this.get(id);
  }

  retry(id: string) {
    return this.lifecycle.retry(id);
  }

  async manifest(id: string): Promise<Manifest> {
    await this.get(id);
    const manifest = (await this.results.manifest(id)) ?? (await this.lifecycle.manifestOfEnded(id));
    if (!manifest)
      throw new NotFoundException(`sweep ${id} has no manifest yet; it is written when the sweep ends`);
    return manifest;
  }

  /** The figures' Vega-Lite specs, built from the parts as `plots/` is, for the page to draw interactively. */
  async figures(id: string): Promise<{ figures: Awaited<ReturnType<typeof figureSpecs>> }> {
    await this.manifest(id); // a finished sweep only: its parts no longer change
    return { figures: await figureSpecs(this.lifecycle.sweepStorage(id)) };
  }

  async file(id: string, relative: string): Promise<Uint8Array> {
    const manifest = await this.manifest(id);
    const file = await this.results.listedFile(id, manifest, relative);
    if (!file)
      throw new NotFoundException(`sweep ${id} lists no file ${JSON.stringify(relative.slice(0, 200))}`);
    return file;
  }

  /**
   * The parts of one analysis as one Arrow IPC stream, with `model` and `format` columns added so
   * rows of several partitions stay distinguishable; filtered by model (slug or id) and format.
   */
  async dataStream(
    id: string,
    analysis: string,
    model?: string,
    format?: string,
  ): Promise<NodeJS.ReadableStream> {
    if (!(ANALYSES as readonly string[]).includes(analysis)) {
      throw new NotFoundException(
        `unknown analysis "${analysis.slice(0, 40)}"; expected one of ${ANALYSES.join(', ')}`,
      );
    }
    const manifest = await this.manifest(id);
    const slugs = new Map(manifest.models.map((m) => [m.id, m.slug]));
    const wantedSlug = model === undefined ? undefined : (slugs.get(model) ?? model);
    const parts = manifest.files.filter(
      (f) =>
        f.analysis === (analysis as Analysis) &&
        (format === undefined || f.format === format) &&
        (wantedSlug === undefined || slugs.get(f.model) === wantedSlug || f.model === wantedSlug),
    );
    if (parts.length === 0)
      throw new NotFoundException(
        `sweep ${id} has no ${analysis} parts${model ? ` for model ${model}` : ''}${format ? ` in format ${format}` : ''}`,
      );
    // Every part through the check GET /files makes (a file really inside the sweep), before the
    // stream starts: a part that is missing or a symlink leading out is refused here, not read.
    for (const part of parts) {
      if (!(await this.results.hasListedFile(id, manifest, part.path)))
        throw new NotFoundException(
          `sweep ${id} lists ${JSON.stringify(part.path.slice(0, 200))}, which is not a file inside its directory`,
        );
    }
    // the writer is an async iterable of its bytes, so Node's stream of them needs no Node-only Arrow build
    const writer = new RecordBatchStreamWriter();
    const stream = Readable.from(writer, { objectMode: false });
    void (async () => {
      try {
        for (const part of parts) {
          const table = await this.results.readPart(id, part.path);
          const slug = slugs.get(part.model) ?? part.model;
          for (const batch of table.batches) writer.write(withPartition(batch, slug, part.format));
        }
      } catch (error) {
        stream.destroy(error as Error);
      } finally {
        writer.finish();
      }
    })();
    return stream;
  }

  private async view(state: SweepState, purged = false): Promise<SweepDto> {
    const progress: SweepProgress = purged
      ? { done: 0, total: state.total, running: 0, queued: 0, chunksPerSecond: null, etaSeconds: null }
      : await this.lifecycle.progress(state);
    return { ...pick(state), priority: state.priority, progress };
  }
}

/**
 * Progress of a sweep Redis no longer holds, from its manifest: the chunk count follows from the
 * spec; the finished ones are known only for a completed sweep (part files are not chunks: a chunk
 * writes one part per analysis). Nothing is running or queued any more.
 */
function progressFromManifest(manifest: Manifest): SweepDto['progress'] {
  const total = countTasks(manifest.spec, NumberSet.of(manifest.spec.numbers).size).total;
  const completed = manifest.status === 'completed';
  return {
    done: completed ? total : null,
    total,
    running: 0,
    queued: 0,
    chunksPerSecond: null,
    etaSeconds: completed ? 0 : null,
  };
}

function pick(s: SweepState | Manifest): Omit<SweepDto, 'progress' | 'priority'> {
  return {
    id: s.id,
    status: s.status,
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    error: s.error,
    spec: s.spec,
  };
}

function withPartition(batch: RecordBatch, model: string, format: string): RecordBatch {
  const schema = new Schema(
    [...batch.schema.fields, new Field('model', new Utf8(), false), new Field('format', new Utf8(), false)],
    batch.schema.metadata,
  );
  const children = [
    ...batch.data.children,
    constantUtf8Column(model, batch.numRows),
    constantUtf8Column(format, batch.numRows),
  ];
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: batch.numRows, children }),
  );
}
