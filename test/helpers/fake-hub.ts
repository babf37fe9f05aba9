import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';

/** One request the fake Hub answered, as tests count them. */
export interface HubRequest {
  method: string;
  path: string;
  authorization?: string;
  /** Which server answered: the Hub, or the CDN on another origin (`cdnElsewhere`). */
  origin: 'hub' | 'cdn';
  range?: string;
  /** The file whose bytes this request sent whole (not a ranged probe, not a redirect). */
  downloaded?: string;
}

/** How a registered model behaves. */
export interface FakeModelOptions {
  /** Files answer 401 unless `Authorization: Bearer <token>` carries this token (the API info stays public, as on the Hub). */
  gatedToken?: string;
  /** Report this as every revision's `sha` instead of the real commit (a misbehaving Hub or mirror). */
  reportedSha?: string;
  /** Send this as every file's ETag and X-Linked-Etag, and as its oids in paths-info (a misbehaving Hub or mirror). */
  reportedEtag?: string;
  /** Redirect LFS files to a CDN on another origin (a second server), as the Hub's storage is. */
  cdnElsewhere?: boolean;
}

interface StoredFile {
  bytes: Buffer;
  /** Git blob sha1: the Hub's ETag of a regular file. */
  gitSha1: string;
  /** sha256 of the bytes: the Hub's X-Linked-Etag of a Git LFS file. */
  sha256: string;
  lfs: boolean;
}

interface StoredRevision {
  commit: string;
  files: Map<string, StoredFile>;
}

interface StoredModel {
  revisions: Map<string, StoredRevision>;
  options: FakeModelOptions;
}

/** Files the Hub keeps in Git LFS: weights always, anything else from 10 MiB on. */
const LFS_BYTES = 10 * 1024 * 1024;

/**
 * A local HTTP server that answers the Hugging Face Hub routes that `@huggingface/hub` calls for a
 * download, for models registered from directories: `/api/models/<id>/revision/<rev>`, `POST
 * /api/models/<id>/paths-info/<rev>` and `/<id>/resolve/<rev>/<file>` (ranged requests included).
 * Like the Hub, regular files come back directly with a git-sha1 `ETag`, while LFS files are a 302
 * to a CDN route carrying `X-Linked-Etag` (the sha256) and `X-Repo-Commit`; the CDN's own `ETag` is
 * not the sha256, as a real CDN's is not. Every request is recorded.
 */
export class FakeHub {
  readonly requests: HubRequest[] = [];
  private readonly models = new Map<string, StoredModel>();
  private readonly blobs = new Map<string, StoredFile>();
  private readonly broken = new Set<string>();
  private readonly renamed = new Map<string, string>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly cdnServer: Server,
    readonly cdnUrl: string,
  ) {}

  /** Starts a fake Hub on 127.0.0.1 on a free port, and its CDN of another origin on another. */
  static async start(): Promise<FakeHub> {
    const [server, cdn] = [createServer(), createServer()];
    const listen = (s: Server) =>
      new Promise<string>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`));
      });
    const hub = new FakeHub(server, await listen(server), cdn, await listen(cdn));
    server.on('request', (req, res) => hub.handle(req, res, 'hub'));
    cdn.on('request', (req, res) => hub.handle(req, res, 'cdn'));
    return hub;
  }

  /**
   * Serves the files of `dirs` (a directory for `main`, or one per revision name) as model `id`;
   * returns each revision's commit id.
   */
  register(
    id: string,
    dirs: string | Record<string, string>,
    options: FakeModelOptions = {},
  ): Record<string, string> {
    const byRevision = typeof dirs === 'string' ? { main: dirs } : dirs;
    const revisions = new Map<string, StoredRevision>();
    const commits: Record<string, string> = {};
    for (const [revision, dir] of Object.entries(byRevision)) {
      const files = new Map<string, StoredFile>();
      for (const file of listFiles(dir))
        files.set(file, this.store(file, readFileSync(path.join(dir, file))));
      const commit = sha1(
        `${id}\0${revision}\0${[...files].map(([name, f]) => `${name}:${f.sha256}`).join('\n')}`,
      );
      const stored = { commit, files };
      revisions.set(revision, stored);
      revisions.set(commit, stored);
      commits[revision] = commit;
    }
    this.models.set(id, { revisions, options });
    return commits;
  }

  /** Answers every request for `oldId` with a relative 307 to the same route of `newId`, as the Hub does for a renamed repository. */
  rename(oldId: string, newId: string): void {
    this.renamed.set(oldId, newId);
  }

  /** The commit a registered revision points at. */
  commit(id: string, revision = 'main'): string {
    const commit = this.models.get(id)?.revisions.get(revision)?.commit;
    if (!commit) throw new Error(`fake hub: ${id}@${revision} is not registered`);
    return commit;
  }

  /** Makes downloads of `file` (any model) send half the bytes and then drop the connection. */
  breakDownloads(file: string, broken = true): void {
    if (broken) this.broken.add(file);
    else this.broken.delete(file);
  }

  /** The names of the files whose bytes were sent whole so far, from the Hub or its CDN (in order, repeats kept). */
  downloadedFiles(): string[] {
    return this.requests.flatMap((r) => (r.downloaded === undefined ? [] : [r.downloaded]));
  }

  async close(): Promise<void> {
    for (const server of [this.server, this.cdnServer]) {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    }
  }

  private store(name: string, bytes: Buffer): StoredFile {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const file = {
      bytes,
      sha256,
      gitSha1: sha1(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes])),
      lfs: name.endsWith('.safetensors') || bytes.length >= LFS_BYTES,
    };
    this.blobs.set(sha256, file);
    return file;
  }

  private handle(req: IncomingMessage, res: ServerResponse, origin: HubRequest['origin']): void {
    const url = new URL(req.url ?? '/', this.url);
    const request: HubRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      authorization: req.headers.authorization,
      origin,
      ...(req.headers.range ? { range: req.headers.range } : {}),
    };
    this.requests.push(request);
    const pathsInfo = /^\/api\/models\/(.+)\/paths-info\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'POST' && pathsInfo && origin === 'hub' && !this.renamedFrom(url.pathname)) {
      return void readBody(req).then((body) =>
        this.pathsInfo(req, res, decodeURIComponent(pathsInfo[1]), decodeURIComponent(pathsInfo[2]), body),
      );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD' && !this.renamedFrom(url.pathname))
      return void send(res, 405, { error: 'Method not allowed' });

    for (const [oldId, newId] of this.renamed) {
      for (const prefix of [`/api/models/${oldId}/`, `/${oldId}/resolve/`]) {
        if (!url.pathname.startsWith(prefix)) continue;
        res.writeHead(307, {
          location: prefix.replace(oldId, newId) + url.pathname.slice(prefix.length),
          'content-length': '0',
        });
        return void res.end();
      }
    }
    const cdn = /^\/cdn-lfs\/([0-9a-f]{64})$/.exec(url.pathname);
    if (cdn && this.blobs.has(cdn[1])) {
      const file = this.blobs.get(cdn[1])!;
      const name = url.searchParams.get('file') ?? '';
      return this.body(req, res, request, file, name, { etag: `"${md5(file.bytes)}"` });
    }
    if (origin === 'cdn') return send(res, 404, { error: 'Not found' });
    const api = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(url.pathname);
    if (api) return this.info(res, decodeURIComponent(api[1]), decodeURIComponent(api[2]));
    const resolve = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (resolve)
      return this.resolve(
        req,
        res,
        request,
        decodeURIComponent(resolve[1]),
        decodeURIComponent(resolve[2]),
        decodeURIComponent(resolve[3]),
      );
    send(res, 404, { error: 'Not found' });
  }

  private renamedFrom(pathname: string): boolean {
    return [...this.renamed.keys()].some(
      (oldId) => pathname.startsWith(`/api/models/${oldId}/`) || pathname.startsWith(`/${oldId}/resolve/`),
    );
  }

  /** `POST /api/models/<id>/paths-info/<rev>` `{paths}`: each file's oid (git sha1) and, for LFS files, its sha256. */
  private pathsInfo(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    revision: string,
    body: string,
  ): void {
    const stored = this.revisionOrRefuse(req, res, id, revision);
    if (!stored) return;
    let paths: unknown;
    try {
      paths = (JSON.parse(body) as { paths?: unknown }).paths;
    } catch {
      return send(res, 400, { error: 'malformed JSON body' });
    }
    if (!Array.isArray(paths)) return send(res, 400, { error: '"paths" must be a list' });
    const reported = this.models.get(id)!.options.reportedEtag;
    send(
      res,
      200,
      paths.flatMap((name) => {
        const file = stored.files.get(String(name));
        if (!file) return [];
        const lfs = file.lfs
          ? { oid: reported ?? file.sha256, size: file.bytes.length, pointerSize: 134 }
          : undefined;
        return [
          {
            type: 'file',
            path: name,
            oid: reported ?? file.gitSha1,
            size: file.bytes.length,
            ...(lfs ? { lfs } : {}),
          },
        ];
      }),
    );
  }

  /** The stored revision, or null once a refusal is sent (unknown model, gated without its token, unknown revision). */
  private revisionOrRefuse(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    revision: string,
  ): StoredRevision | null {
    const model = this.models.get(id);
    if (!model) {
      send(res, 404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
      return null;
    }
    const token = model.options.gatedToken;
    if (token && req.headers.authorization !== `Bearer ${token}`) {
      send(
        res,
        401,
        {
          error: `Access to model ${id} is restricted. You must have access to it and be authenticated to access it.`,
        },
        { 'x-error-code': 'GatedRepo' },
      );
      return null;
    }
    const stored = model.revisions.get(revision);
    if (!stored) {
      send(res, 404, { error: `Invalid rev id: ${revision}` }, { 'x-error-code': 'RevisionNotFound' });
      return null;
    }
    return stored;
  }

  private info(res: ServerResponse, id: string, revision: string): void {
    const model = this.models.get(id);
    if (!model) return send(res, 404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
    const stored = model.revisions.get(revision);
    if (!stored)
      return send(res, 404, { error: `Invalid rev id: ${revision}` }, { 'x-error-code': 'RevisionNotFound' });
    send(res, 200, {
      _id: stored.commit.slice(0, 24),
      id,
      modelId: id,
      sha: model.options.reportedSha ?? stored.commit,
      private: false,
      gated: model.options.gatedToken ? 'manual' : false,
      siblings: [...stored.files.keys()].map((rfilename) => ({ rfilename })),
    });
  }

  private resolve(
    req: IncomingMessage,
    res: ServerResponse,
    request: HubRequest,
    id: string,
    revision: string,
    name: string,
  ): void {
    const stored = this.revisionOrRefuse(req, res, id, revision);
    if (!stored) return;
    const model = this.models.get(id)!;
    const file = stored.files.get(name);
    if (!file)
      return send(
        res,
        404,
        { error: 'Entry not found' },
        { 'x-error-code': 'EntryNotFound', 'x-repo-commit': stored.commit },
      );
    if (file.lfs) {
      const cdn = model.options.cdnElsewhere ? this.cdnUrl : this.url;
      res.writeHead(302, {
        location: `${cdn}/cdn-lfs/${file.sha256}?file=${encodeURIComponent(name)}&expires=1`,
        'x-linked-etag': `"${model.options.reportedEtag ?? file.sha256}"`,
        'x-linked-size': String(file.bytes.length),
        'x-repo-commit': stored.commit,
        'content-length': '0',
      });
      return void res.end();
    }
    this.body(req, res, request, file, name, {
      etag: `"${model.options.reportedEtag ?? file.gitSha1}"`,
      'x-repo-commit': stored.commit,
    });
  }

  private body(
    req: IncomingMessage,
    res: ServerResponse,
    request: HubRequest,
    file: StoredFile,
    name: string,
    headers: Record<string, string>,
  ): void {
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const size = file.bytes.length;
      const from = Number(range[1]);
      const to = Math.min(range[2] === '' ? size - 1 : Number(range[2]), size - 1);
      if (from > to)
        return send(res, 416, { error: 'Range not satisfiable' }, { 'content-range': `bytes */${size}` });
      res.writeHead(206, {
        'content-type': 'application/octet-stream',
        'content-length': String(to - from + 1),
        'content-range': `bytes ${from}-${to}/${size}`,
        ...headers,
      });
      return void res.end(req.method === 'HEAD' ? undefined : file.bytes.subarray(from, to + 1));
    }
    request.downloaded = name;
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(file.bytes.length),
      ...headers,
    });
    if (req.method === 'HEAD') return void res.end();
    if (this.broken.has(name)) {
      res.write(file.bytes.subarray(0, file.bytes.length >> 1), () => res.destroy());
      return;
    }
    res.end(file.bytes);
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(json)),
    ...headers,
  });
  res.end(json);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text)).on('error', reject);
  });
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix))
    .sort()
    .flatMap((entry) => {
      const rel = prefix ? `${prefix}/${entry}` : entry;
      return statSync(path.join(dir, rel)).isDirectory() ? listFiles(dir, rel) : [rel];
    });
}

function sha1(data: string | Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}
