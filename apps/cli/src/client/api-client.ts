import { CliError } from '../cli-error';

export interface ApiTarget {
  api?: string;
  apiKey?: string;
}

/** A thin client of the tokensweep HTTP API; an error answer becomes a CliError carrying the API's own message. */
export class ApiClient {
  private readonly base: string;

  constructor(private readonly target: ApiTarget) {
    if (!target.api) throw new CliError('no API given: pass --api URL or set TOKENSWEEP_API', 2);
    this.base = target.api.replace(/\/+$/, '');
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.request(method, path, body);
    return (await response.json()) as T;
  }

  async bytes(path: string): Promise<Uint8Array> {
    const response = await this.request('GET', path);
    return new Uint8Array(await response.arrayBuffer());
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.target.apiKey) headers.authorization = `Bearer ${this.target.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new CliError(`cannot reach the API at ${this.base} (${cause})`, 1);
    }
    if (response.ok) return response;
    const text = await response.text();
    let message = text;
    try {
      const parsed = JSON.parse(text) as { message?: string | string[] };
      if (parsed.message)
        message = Array.isArray(parsed.message) ? parsed.message.join('\n') : parsed.message;
    } catch {
      // not JSON: keep the text
    }
    throw new CliError(
      `${method} ${path}: HTTP ${response.status}: ${message}`,
      response.status === 400 || response.status === 404 || response.status === 401 ? 2 : 1,
    );
  }
}
