// f. API: GET /sweeps/:id and POST /sweeps under autocannon (loopback only), with the API's memory around them.
import { memoryOf, require, round, row } from '../lib/common.mjs';

const TINY = { models: ['gpt2'], numbers: '0..9', analyses: ['tokens'] };

/**
 * One worker runs meanwhile, so the tiny sweeps that POST creates drain (the stack has
 * RATE_LIMIT_PER_MINUTE=0). GET goes first, on a completed sweep, so that it does not compete with
 * the backlog that POST leaves; the API's resident memory is read before, between and after.
 */
export async function apiSection(ctx) {
  const autocannon = require('autocannon');
  const stack = ctx.stack;
  const duration = ctx.quick ? 5 : 20;
  await stack.addWorkers(1, { WORKER_CONCURRENCY: '1' });
  const { id } = await stack.runSweep(TINY);
  const memory = { before: memoryOf(stack.api.pid) };
  const fire = (route, options) =>
    new Promise((resolve, reject) => {
      autocannon({ url: `${stack.url}${route}`, connections: 10, duration, ...options }, (error, result) =>
        error ? reject(error) : resolve(result),
      );
    });
  const get = await fire(`/sweeps/${id}`, { method: 'GET' });
  memory.afterGet = memoryOf(stack.api.pid);
  const post = await fire('/sweeps', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(TINY),
  });
  memory.afterPost = memoryOf(stack.api.pid);
  const drained = await stack.request('GET', '/sweeps?limit=1');
  await stack.stopWorkers();

  const summary = (result) => ({
    requests: result.requests.total,
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    statusCodes: result.statusCodeStats,
    errors: result.errors,
    timeouts: result.timeouts,
  });
  const details = {
    durationS: duration,
    connections: 10,
    get: summary(get),
    post: summary(post),
    memory,
    newestAfterPost: drained.items?.[0]?.status,
  };
  const mib = (m) => (m ? Math.round(m.rssMiB) : null);
  const rows = [
    row(
      'f.get',
      `API GET /sweeps/:id, 10 connections, ${duration} s`,
      round(get.requests.average, 0),
      'req/s',
      {
        note: `p50 ${get.latency.p50} ms, p99 ${get.latency.p99} ms, non-2xx ${get.non2xx}`,
      },
    ),
    row(
      'f.post',
      `API POST /sweeps (tokens 0..9), 10 connections, ${duration} s`,
      round(post.requests.average, 0),
      'req/s',
      {
        note: `p50 ${post.latency.p50} ms, p99 ${post.latency.p99} ms, non-2xx ${post.non2xx}, ${post.requests.total} sweeps`,
      },
    ),
    row(
      'f.rss',
      'API resident memory before → after GET → after POST',
      `${mib(memory.before)} → ${mib(memory.afterGet)} → ${mib(memory.afterPost)}`,
      'MiB',
    ),
  ];
  return { rows, details };
}
