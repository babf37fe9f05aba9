import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ModelUnavailableError } from './model-errors';

const COMMIT = /^[0-9a-f]{40}$/;
const BLOB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

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
    if (typeof body.sha !== 'string' || !COMMIT.test(body.sha) || !Array.isArray(body.siblings)) {
      throw new ModelUnavailableError(
        id,
        `the Hub at ${this.endpoint} answered ${url} without a commit and a file list`,
      );
    }
    const files = body.siblings.map((s) => s.rfilename).filter((f): f is string => typeof f === 'string');
    return { commit: body.sha, files };
  }

  /** Streams one file of a commit to `target`; returns the ETag the Hub gave (sha256 of the bytes if none). */
  async download(id: string, commit: string, file: string, target: string): Promise<string> {
    let url = `${this.base()}/${id}/resolve/${commit}/${file.split('/').map(encodeURIComponent).join('/')}`;
    // Like huggingface_hub: follow redirects within the Hub (a renamed repository) up to the answer that
    // describes the file. For an LFS file that answer is a redirect to a CDN carrying X-Linked-Etag, the
    // sha256 the cache names the blob by; the CDN's own ETag is something else.
    let response = await this.get(id, url, 'manual');
    for (
      let hops = 0;
      REDIRECTS.has(response.status) && isRelative(response.headers.get('location'));
      hops++
    ) {
      if (hops === 5) throw new Error(`model ${id}: the Hub redirected ${file} too many times`);
      url = new URL(response.headers.get('location')!, url).href;
      await response.body?.cancel();
      response = await this.get(id, url, 'manual');
    }
    const etag = response.headers.get('x-linked-etag') ?? response.headers.get('etag');
    if (REDIRECTS.has(response.status)) {
      const location = new URL(response.headers.get('location') ?? '', url);
      await response.body?.cancel();
      response = await this.get(id, location.href, 'follow', location.origin === new URL(this.base()).origin);
    }
    if (!response.body) throw new Error(`model ${id}: the Hub sent no body for ${file}`);
    await mkdir(path.dirname(target), { recursive: true });
    const hash = createHash('sha256');
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
    body.on('data', (chunk: Buffer) => hash.update(chunk));
    try {
      await pipeline(body, createWriteStream(target));
    } catch (error) {
      await rm(target, { force: true });
      throw new Error(
        `model ${id}: download of ${file} broke off (${(error as Error).message}); run again to retry`,
      );
    }
    // The ETag names a file in the cache: anything but a plain name falls back to the content's hash.
    const name = etag?.replace(/^W\//, '').replace(/"/g, '');
    return name && BLOB_NAME.test(name) ? name : hash.digest('hex');
  }

  private base(): string {
    return this.endpoint.replace(/\/+$/, '');
  }

  /** GETs `url`; the token goes to the Hub only, never to the CDN it redirects to. */
  private async get(
    id: string,
    url: string,
    redirect: 'follow' | 'manual' = 'follow',
    withToken = true,
  ): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': 'tokensweep' };
    if (this.token && withToken) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(url, { headers, redirect });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new Error(
        `model ${id}: cannot reach the Hub at ${this.endpoint} (${cause}); check HF_ENDPOINT or set HF_HUB_OFFLINE=1 to use the cache only`,
      );
    }
    if (response.ok || (redirect === 'manual' && REDIRECTS.has(response.status))) return response;
    if (response.status === 401 || response.status === 403) {
      throw new ModelUnavailableError(
        id,
        `the Hub refused access (HTTP ${response.status}); for a gated or private model set HF_TOKEN`,
      );
    }
    if (response.status === 404) {
      throw new ModelUnavailableError(
        id,
        `not found on the Hub at ${this.endpoint} (HTTP 404); check the id and revision`,
      );
    }
    throw new Error(`model ${id}: the Hub answered HTTP ${response.status} for ${url}`);
  }
}

/** A Location without a scheme and host: a redirect within the Hub rather than to a CDN. */
function isRelative(location: string | null): boolean {
  return location !== null && !/^[a-z][a-z0-9+.-]*:/i.test(location) && !location.startsWith('//');
}
