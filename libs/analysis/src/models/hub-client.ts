import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ModelUnavailableError } from './model-errors';

/** What the Hub says about one revision of a model repository. */
export interface HubRevision {
  commit: string;
  files: string[];
}

/** The few Hugging Face Hub calls a sweep needs: resolve a revision, download a file. */
export class HubClient {
  constructor(
    private readonly endpoint: string,
    private readonly token?: string,
  ) {}

  async revision(id: string, revision: string): Promise<HubRevision> {
    const url = `${this.base()}/api/models/${id}/revision/${encodeURIComponent(revision)}`;
    const response = await this.get(id, url);
    const body = (await response.json()) as { sha?: unknown; siblings?: { rfilename?: unknown }[] };
    if (typeof body.sha !== 'string' || !Array.isArray(body.siblings)) {
      throw new ModelUnavailableError(id, `the Hub at ${this.endpoint} answered ${url} without a commit and a file list`);
    }
    const files = body.siblings.map((s) => s.rfilename).filter((f): f is string => typeof f === 'string');
    return { commit: body.sha, files };
  }

  /** Streams one file of a commit to `target`; returns the ETag the Hub gave (sha256 of the bytes if none). */
  async download(id: string, commit: string, file: string, target: string): Promise<string> {
    const url = `${this.base()}/${id}/resolve/${commit}/${file.split('/').map(encodeURIComponent).join('/')}`;
    const response = await this.get(id, url);
    if (!response.body) throw new Error(`model ${id}: the Hub sent no body for ${file}`);
    await mkdir(path.dirname(target), { recursive: true });
    const hash = createHash('sha256');
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
    body.on('data', (chunk: Buffer) => hash.update(chunk));
    try {
      await pipeline(body, createWriteStream(target));
    } catch (error) {
      await rm(target, { force: true });
      throw new Error(`model ${id}: download of ${file} broke off (${(error as Error).message}); run again to retry`);
    }
    const etag = response.headers.get('x-linked-etag') ?? response.headers.get('etag');
    return etag ? etag.replace(/^W\//, '').replace(/"/g, '') : hash.digest('hex');
  }

  private base(): string {
    return this.endpoint.replace(/\/+$/, '');
  }

  private async get(id: string, url: string): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': 'tokensweep' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(url, { headers, redirect: 'follow' });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new Error(`model ${id}: cannot reach the Hub at ${this.endpoint} (${cause}); check HF_ENDPOINT or set HF_HUB_OFFLINE=1 to use the cache only`);
    }
    if (response.ok) return response;
    if (response.status === 401 || response.status === 403) {
      throw new ModelUnavailableError(id, `the Hub refused access (HTTP ${response.status}); for a gated or private model set HF_TOKEN`);
    }
    if (response.status === 404) {
      throw new ModelUnavailableError(id, `not found on the Hub at ${this.endpoint} (HTTP 404); check the id and revision`);
    }
    throw new Error(`model ${id}: the Hub answered HTTP ${response.status} for ${url}`);
  }
}
