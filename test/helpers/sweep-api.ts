import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

export interface HttpAnswer<T = unknown> {
  status: number;
  headers: Headers;
  /** The body parsed as JSON when it is JSON, else null. */
  json: T;
  text: string;
  bytes: Uint8Array;
}

export interface SweepView {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  priority: 'low' | 'normal' | 'high' | null;
  progress: {
    done: number;
    total: number;
    running: number;
    queued: number;
    chunksPerSecond: number | null;
    etaSeconds: number | null;
  };
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  spec: Record<string, unknown>;
}

/** A small client of the tokensweep API for tests: every answer comes back, whatever its status. */
export class SweepApi {
  constructor(
    readonly url: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  withHeaders(headers: Record<string, string>): SweepApi {
    return new SweepApi(this.url, { ...this.headers, ...headers });
  }

  // answers are untyped JSON that the tests inspect field by field
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async request<T = any>(
    method: string,
    route: string,
    options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { ...this.headers, ...options.headers };
    let body: string | undefined = options.raw;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${this.url}${route}`, { method, headers, body });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    let json: unknown = null;
    if (response.headers.get('content-type')?.includes('json')) json = JSON.parse(text);
    return { status: response.status, headers: response.headers, json: json as T, text, bytes };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get<T = any>(route: string): Promise<HttpAnswer<T>> {
    return this.request<T>('GET', route);
  }

  /** GET with the path sent exactly as written: fetch would resolve `..` segments before sending them. */
  rawGet(rawPath: string): Promise<{ status: number; text: string }> {
    const url = new URL(this.url);
    return new Promise((resolve, reject) => {
      const request = http.get(
        { host: url.hostname, port: url.port, path: rawPath, headers: this.headers },
        (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
    });
  }

  /** POST /sweeps; throws with the API's answer unless it is 202. */
  async submit(spec: Record<string, unknown>): Promise<{ id: string; status: string; chunks: number }> {
    const answer = await this.request('POST', '/sweeps', { body: spec });
    if (answer.status !== 202) throw new Error(`POST /sweeps answered ${answer.status}: ${answer.text}`);
    return answer.json;
  }

  async sweep(id: string): Promise<SweepView> {
    const answer = await this.get<SweepView>(`/sweeps/${id}`);
    if (answer.status !== 200) throw new Error(`GET /sweeps/${id} answered ${answer.status}: ${answer.text}`);
    return answer.json;
  }

  /**
   * Polls GET /sweeps/:id (the status lives in Redis; there is no event to subscribe to over HTTP)
   * until `until` holds, every `intervalMs`, up to `timeoutMs`; then fails with the last view and
   * whatever `context()` adds (the services' logs).
   */
  async awaitSweep(
    id: string,
    until: (sweep: SweepView) => boolean,
    options: { timeoutMs?: number; intervalMs?: number; what?: string; context?: () => string } = {},
  ): Promise<SweepView> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    let last: SweepView | undefined;
    for (;;) {
      last = await this.sweep(id);
      if (until(last)) return last;
      if (last.status === 'failed' && options.what !== 'failed') {
        throw new Error(`sweep ${id} failed: ${last.error}\n${options.context?.() ?? ''}`);
      }
      if (Date.now() > deadline) break;
      await delay(options.intervalMs ?? 100);
    }
    throw new Error(
      `sweep ${id} is not ${options.what ?? 'there'} after ${options.timeoutMs ?? 30_000} ms; last seen ${JSON.stringify(
        { status: last.status, progress: last.progress, error: last.error },
      )}\n${options.context?.() ?? ''}`,
    );
  }

  /** Awaits a terminal status equal to `status`. */
  awaitStatus(
    id: string,
    status: SweepView['status'],
    options: { timeoutMs?: number; context?: () => string } = {},
  ): Promise<SweepView> {
    return this.awaitSweep(id, (s) => s.status === status, { ...options, what: status });
  }
}
