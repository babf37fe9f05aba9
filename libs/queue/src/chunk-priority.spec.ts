import { describe, expect, it } from 'vitest';
import { BULLMQ_PRIORITY_LIMIT, chunkPriority, PRIORITY_BANDS, priorityOfScore } from './chunk-priority';

describe('chunkPriority', () => {
  it('orders the classes strictly: every high chunk before every normal one, every normal before every low', () => {
    expect(chunkPriority('high', null, 24_999)).toBeLessThan(chunkPriority('normal', null, 0));
    expect(chunkPriority('normal', 1_399_000, 24_999)).toBeLessThan(chunkPriority('low', null, 0));
    expect(chunkPriority('low', null, 10 ** 7)).toBe(BULLMQ_PRIORITY_LIMIT);
  });

  it('starts a new sweep beside the next chunk waiting in its class, then one step per chunk', () => {
    expect([0, 1, 2].map((k) => chunkPriority('normal', 700_040, k))).toEqual([700_040, 700_041, 700_042]);
    expect(chunkPriority('normal', null, 3)).toBe(PRIORITY_BANDS.normal.first + 3);
  });

  it('stays inside its band when the backlog reaches its end', () => {
    expect(chunkPriority('high', 699_990, 50)).toBe(PRIORITY_BANDS.high.last);
    expect(chunkPriority('normal', 5, 0)).toBe(PRIORITY_BANDS.normal.first);
  });

  it('reads the priority back from a BullMQ score (priority × 2^32 + counter)', () => {
    expect(priorityOfScore(700_041 * 2 ** 32 + 123_456)).toBe(700_041);
    expect(priorityOfScore(BULLMQ_PRIORITY_LIMIT * 2 ** 32 + (2 ** 32 - 1))).toBe(BULLMQ_PRIORITY_LIMIT);
  });
});
