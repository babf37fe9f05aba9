const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The Hub did not answer at all (no HTTP status): the endpoint is wrong, or the network is down. */
export class HubUnreachableError extends Error {}
const MAX_REDIRECTS = 10;

/**
 * The `fetch` the Hub client is given: it adds `Authorization: Bearer <token>` to requests to the
 * Hub's own origin only, and follows redirects itself so that a redirect to a CDN on another host
 * (as for LFS and Xet files) never carries the token, nor any other host's. A Hub that cannot be reached gets an error
 * saying what to check.
 */
export function hubFetch(hubUrl: string, token?: string): typeof fetch {
  const hubOrigin = new URL(hubUrl).origin;
  return async (input, init) => {
    let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    let method = init?.method ?? 'GET';
    let body = init?.body;
    const firstOrigin = new URL(url).origin;
    for (let hops = 0; ; hops++) {
      const origin = new URL(url).origin;
      const headers = new Headers(init?.headers);
      headers.set('user-agent', 'tokensweep');
      // The Hub gets our token. Any other host keeps what the client gave for it (Xet's storage
      // its own short-lived token), but only while no redirect has taken the request elsewhere.
      if (origin === hubOrigin) {
        headers.delete('authorization');
        if (token) headers.set('authorization', `Bearer ${token}`);
      } else if (origin !== firstOrigin) {
        headers.delete('authorization');
      }
      let response: Response;
      try {
        response = await fetch(url, { ...init, method, body, headers, redirect: 'manual' });
      } catch (error) {
        const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
        throw new HubUnreachableError(
          `cannot reach the Hub at ${hubUrl} (${cause}); check HF_ENDPOINT or set HF_HUB_OFFLINE=1 to use the cache only`,
        );
      }
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || location === null) return response;
      await response.body?.cancel();
      if (hops === MAX_REDIRECTS) throw new Error(`the Hub at ${hubUrl} redirected ${url} too many times`);
      // as fetch itself does: a 303, or a 301/302 of a POST, continues as a GET without a body
      if (response.status === 303 || (method === 'POST' && response.status < 303)) {
        method = 'GET';
        body = undefined;
      }
      url = new URL(location, url).href;
    }
  };
}
