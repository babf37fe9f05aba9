import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { hubFetch, HubUnreachableError } from './hub-fetch';
import { ModelUnavailableError } from './model-errors';

/**
 * The Hub's client library, loaded when a model is first looked up on the Hub: with its WebAssembly
 * chunker it costs about 20 ms to load, which every process and chunk thread paid at start though
 * most never reach the Hub (their models are local or cached).
 */
type HubLibrary = typeof import('@huggingface/hub');
let hubLibrary: Promise<HubLibrary> | undefined;
const hub = (): Promise<HubLibrary> => (hubLibrary ??= import('@huggingface/hub'));

const COMMIT = /^[0-9a-f]{40}$/;
const BLOB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** What the Hub says about one revision of a model repository. */
export interface HubRevision {
  commit: string;
  files: string[];
}

/**
 * The Hub calls a sweep needs, through Hugging Face's own client (`@huggingface/hub`: revision
 * info, paths-info, downloads from whichever storage backs a file). The token travels only in
 * `hubFetch`, to the Hub's own origin: never to a CDN, and whatever shape a mirror's token has.
 */
export class HubClient {
  private readonly hubUrl: string;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly endpoint: string,
    token?: string,
  ) {
    this.hubUrl = endpoint.replace(/\/+$/, '');
    this.fetch = hubFetch(this.hubUrl, token);
  }

  /** The commit `revision` points at, and the files of that commit. */
  async revision(id: string, revision: string): Promise<HubRevision> {
    const { modelInfo } = await hub();
    const info = await this.call(id, () =>
      modelInfo({
        name: id,
        revision,
        hubUrl: this.hubUrl,
        fetch: this.fetch,
        additionalFields: ['sha', 'filePaths'],
      }),
    );
    const { sha, filePaths } = info as { sha?: unknown; filePaths?: unknown[] };
    if (typeof sha !== 'string' || !COMMIT.test(sha) || !Array.isArray(filePaths)) {
      throw new ModelUnavailableError(
        id,
        `the Hub at ${this.endpoint} answered the revision ${revision} without a commit and a file list`,
      );
    }
    const files = filePaths.filter((f): f is string => typeof f === 'string');
    return { commit: sha, files };
  }

  /**
   * Streams one file of a commit to `target`; returns the name its blob gets in the cache: the
   * file's LFS sha256 or git oid, as huggingface_hub names it (the content's sha256 if that is no
   * plain name).
   */
  async download(id: string, commit: string, file: string, target: string): Promise<string> {
    const { downloadFile, pathsInfo } = await hub();
    const repo = { type: 'model' as const, name: id };
    const common = { repo, revision: commit, hubUrl: this.hubUrl, fetch: this.fetch };
    const [info] = await this.call(id, () => pathsInfo({ ...common, paths: [file] }));
    const blob = await this.call(id, () => downloadFile({ ...common, path: file }));
    if (!info || !blob) throw new ModelUnavailableError(id, `the Hub lists ${file} but does not serve it`);
    await mkdir(path.dirname(target), { recursive: true });
    const hash = createHash('sha256');
    const body = Readable.fromWeb(blob.stream() as WebReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => hash.update(chunk));
    try {
      await pipeline(body, createWriteStream(target));
    } catch (error) {
      await rm(target, { force: true });
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`model ${id}: download of ${file} broke off (${why}); run again to retry`);
    }
    const name = info.lfs?.oid ?? info.xetHash ?? info.oid;
    return typeof name === 'string' && BLOB_NAME.test(name) ? name : hash.digest('hex');
  }

  /** Runs a library call, saying what a refusal of the Hub means for this model. */
  private async call<T>(id: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof HubUnreachableError) throw new Error(`model ${id}: ${error.message}`);
      if (!(error instanceof (await hub()).HubApiError)) throw error;
      if (error.statusCode === 401 || error.statusCode === 403) {
        throw new ModelUnavailableError(
          id,
          `the Hub refused access (HTTP ${error.statusCode}); for a gated or private model set HF_TOKEN`,
        );
      }
      if (error.statusCode === 404) {
        throw new ModelUnavailableError(
          id,
          `not found on the Hub at ${this.endpoint} (HTTP 404); check the id and revision`,
        );
      }
      throw new Error(`model ${id}: the Hub answered HTTP ${error.statusCode} for ${error.url}`);
    }
  }
}
