import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubFetch, HubUnreachableError } from './hub-fetch';

/** A server that records each request's headers; `/go?to=URL` redirects there with `status`. */
async function recordingServer(): Promise<{
  server: Server;
  url: string;
  seen: { path: string; headers: IncomingHttpHeaders; method?: string; body: string }[];
}> {
  const seen: { path: string; headers: IncomingHttpHeaders; method?: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ path: url.pathname, headers: req.headers, method: req.method, body });
      if (url.pathname === '/go') {
        res.writeHead(Number(url.searchParams.get('status') ?? 302), {
          location: url.searchParams.get('to')!,
        });
        return res.end();
      }
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe(hubFetch.name, () => {
  let hub: Awaited<ReturnType<typeof recordingServer>>;
  let cdn: Awaited<ReturnType<typeof recordingServer>>;

  beforeAll(async () => {
    [hub, cdn] = await Promise.all([recordingServer(), recordingServer()]);
  });

  afterAll(async () => {
    for (const s of [hub, cdn]) await new Promise((resolve) => s.server.close(resolve));
  });

  it('sends the token to the Hub, and not to the host a redirect leads to', async () => {
    const fetchHub = hubFetch(hub.url, 'secret');
    const response = await fetchHub(`${hub.url}/go?to=${encodeURIComponent(`${cdn.url}/blob`)}`);
    expect(await response.text()).toBe('ok');
    expect(response.url).toBe(`${cdn.url}/blob`);
    expect(hub.seen.at(-1)!.headers.authorization).toBe('Bearer secret');
    expect(cdn.seen.at(-1)!.headers.authorization).toBeUndefined();
  });

  it("keeps another host's own header on its first request, and drops it past a redirect elsewhere", async () => {
    const fetchHub = hubFetch(hub.url, 'secret');
    await fetchHub(`${cdn.url}/blob`, { headers: { authorization: 'Bearer storage-token' } });
    expect(cdn.seen.at(-1)!.headers.authorization).toBe('Bearer storage-token');
    await fetchHub(`${cdn.url}/go?to=${encodeURIComponent(`${hub.url}/x`)}`, {
      headers: { authorization: 'Bearer storage-token' },
    });
    expect(hub.seen.at(-1)!.headers.authorization).toBe('Bearer secret');
  });

  it('replays a POST body on a 307, and turns a 303 into a GET', async () => {
    const fetchHub = hubFetch(hub.url);
    await fetchHub(`${hub.url}/go?status=307&to=/paths`, { method: 'POST', body: '{"paths":["a"]}' });
    expect(hub.seen.at(-1)).toMatchObject({ path: '/paths', method: 'POST', body: '{"paths":["a"]}' });
    await fetchHub(`${hub.url}/go?status=303&to=/after`, { method: 'POST', body: 'x' });
    expect(hub.seen.at(-1)).toMatchObject({ path: '/after', method: 'GET', body: '' });
  });

  it('says to check HF_ENDPOINT when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const error = await hubFetch(url)(`${url}/api`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubUnreachableError);
    expect((error as Error).message).toMatch(/check HF_ENDPOINT or set HF_HUB_OFFLINE=1/);
  });
});
