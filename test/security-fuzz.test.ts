import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistributedStack } from './helpers/distributed-stack';
import { FuzzCase, fuzzCases, VALID_SPEC } from './helpers/fuzz-bodies';

/**
 * Hostile submissions: at least 1,000 generated bad bodies (seeded, so every run sends the same
 * ones) to POST /sweeps — wrong types, missing or empty values, unknown fields, huge and negative
 * numbers, malformed and over-limit number expressions, enormous strings, deeply nested JSON,
 * invalid UTF-8, paths and URLs as model ids, bodies over MAX_BODY_BYTES, bodies that are not JSON.
 * Every one gets a 4xx naming the problem, none a 5xx, and the API serves normally afterwards.
 */
const LIMITS = { maxBodyBytes: 32_768, maxSweepNumbers: 100_000, maxMatrixNumbers: 1_000 };
const COUNT = 1_200;
const SEED = 20_261_130;
const IN_FLIGHT = 8;

interface Outcome {
  index: number;
  fuzz: FuzzCase;
  status: number;
  json: { statusCode?: number; error?: string; message?: string | string[] } | null;
  ms: number;
}

describe('fuzzed sweep bodies', () => {
  let stack: DistributedStack;
  let outcomes: Outcome[] = [];

  DistributedStack.logsOnFailure(() => stack);

  beforeAll(async () => {
    stack = await DistributedStack.start({
      label: 'fuzz',
      workers: 1,
      env: {
        WORKER_CONCURRENCY: '1',
        RATE_LIMIT_PER_MINUTE: '0',
        MAX_BODY_BYTES: String(LIMITS.maxBodyBytes),
        MAX_SWEEP_NUMBERS: String(LIMITS.maxSweepNumbers),
        MAX_MATRIX_NUMBERS: String(LIMITS.maxMatrixNumbers),
      },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  async function send(fuzz: FuzzCase, index: number): Promise<Outcome> {
    const started = Date.now();
    const response = await fetch(`${stack.services!.url}/sweeps`, {
      method: 'POST',
      headers: fuzz.contentType === null ? {} : { 'content-type': fuzz.contentType },
      body: fuzz.body,
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null;
    return { index, fuzz, status: response.status, json, ms: Date.now() - started };
  }

  /** What is wrong with an answer, or null when it is the refusal the case expects. */
  function problem({ fuzz, status, json }: Outcome): string | null {
    const expected = fuzz.expect;
    if (status !== expected.status) return `status ${status}, expected ${expected.status}`;
    if (json?.statusCode !== status)
      return `body ${JSON.stringify(json)?.slice(0, 200)} lacks statusCode ${status}`;
    const lines = Array.isArray(json.message) ? json.message : [String(json.message ?? '')];
    if (lines.join('').trim() === '') return 'no message';
    if ('fields' in expected) {
      if (!Array.isArray(json.message))
        return `message is not one line per problem: ${JSON.stringify(json.message).slice(0, 200)}`;
      for (const field of expected.fields) {
        if (!lines.some((line) => line.startsWith(`${field}:`)))
          return `no line names ${JSON.stringify(field.slice(0, 40))}: ${JSON.stringify(lines).slice(0, 300)}`;
      }
    }
    if ('message' in expected && !expected.message.test(lines.join('\n')))
      return `message ${JSON.stringify(lines).slice(0, 300)} does not match ${expected.message}`;
    return null;
  }

  it(
    `refuses each of ${COUNT.toLocaleString('en-US')} generated bad bodies with a 4xx naming the problem, never a 5xx`,
    { timeout: 300_000 },
    async () => {
      const cases = fuzzCases(COUNT, SEED, LIMITS);
      expect(cases.length).toBeGreaterThanOrEqual(1_000);
      // a few requests in flight at a time, as a client hammering the API would send them
      outcomes = new Array(cases.length);
      let next = 0;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < cases.length) {
            const index = next++;
            outcomes[index] = await send(cases[index], index);
          }
        }),
      );

      const byStatus: Record<number, number> = {};
      const byKind: Record<string, Record<number, number>> = {};
      for (const { fuzz, status } of outcomes) {
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        byKind[fuzz.kind] ??= {};
        byKind[fuzz.kind][status] = (byKind[fuzz.kind][status] ?? 0) + 1;
      }
      const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
      console.log(
        `fuzzed ${outcomes.length} bodies (seed ${SEED}): status codes ${JSON.stringify(byStatus)}; by kind ${JSON.stringify(byKind)}; ` +
          `latency median ${latencies[latencies.length >> 1]} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)]} ms, max ${latencies[latencies.length - 1]} ms`,
      );

      expect(
        outcomes
          .filter((o) => o.status >= 500)
          .map((o) => `#${o.index} ${o.fuzz.kind}: ${o.status} ${JSON.stringify(o.json)}`),
      ).toEqual([]);
      const wrong = outcomes
        .map((o) => ({ o, why: problem(o) }))
        .filter(({ why }) => why !== null)
        .map(
          ({ o, why }) =>
            `#${o.index} ${o.fuzz.kind} ${Buffer.from(o.fuzz.body).toString('utf8').slice(0, 120)} (${o.fuzz.contentType}): ${why}`,
        );
      expect(wrong.slice(0, 20), `${wrong.length} answers were not the expected refusal`).toEqual([]);
    },
  );

  it('still serves afterwards: the process lives, logged no error, and a valid sweep completes', async () => {
    expect(stack.services!.api.exited).toBe(false);
    expect(stack.services!.api.output.text()).not.toMatch(/ERROR/);
    expect((await stack.api.get('/health')).status).toBe(200);
    expect((await stack.api.get('/health/ready')).status).toBe(200);
    const { id } = await stack.api.submit(VALID_SPEC);
    await stack.api.awaitStatus(id, 'completed', { timeoutMs: 60_000, context: stack.logs });
    // none of the bad bodies became a sweep
    const listed = await stack.api.get('/sweeps?limit=200');
    expect(listed.json.items.map((s: { id: string }) => s.id)).toEqual([id]);
  });
});
