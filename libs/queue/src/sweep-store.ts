import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import {
  isNumberListRef,
  referToList,
  SpecByReference,
  SweepRecord,
  SweepStatus,
} from '@tokensweep/analysis';
import { reportRedisOutages } from './redis-outage';

/** A sweep's state as Redis holds it: its record, how many chunks it has, and which enqueueing round is live. */
export interface SweepState extends SweepRecord {
  total: number;
  round: number;
}

export interface SweepProgress {
  done: number;
  total: number;
}

// Moves a sweep to ARGV[1] only if its status is one of ARGV[2] (comma-separated); then sets the
// field/value pairs that follow. Atomic, so two workers never both win a transition.
const TRANSITION = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return -1 end
local allowed = false
for s in string.gmatch(ARGV[2], '[^,]+') do if s == status then allowed = true end end
if not allowed then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`;

// Deletes the lock KEYS[1] only if it still holds this holder's token ARGV[1].
const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * The one repository of sweep state in Redis: a hash per sweep, a set of its finished chunk indices
 * (so a chunk delivered twice counts once), and a lexicographic index of ids for newest-first lists.
 * A sweep's list of numbers is kept once, under its own key: the hash and the chunk jobs hold a
 * reference to it, so that reading a sweep's status never reads its list.
 * A method that fails because Redis cannot be reached rejects with a RedisUnavailableError.
 */
export class SweepStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    reportRedisOutages(this, redis);
  }

  /** Whether Redis answers a PING within `timeoutMs`: 'ok', or what is wrong (readiness). */
  async ping(timeoutMs = 1_000): Promise<'ok' | string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
    });
    try {
      const pong = await Promise.race([this.redis.ping(), timeout]);
      return pong === 'PONG' ? 'ok' : `unexpected answer ${pong}`;
    } catch (error) {
      return (error as Error).message;
    } finally {
      clearTimeout(timer);
    }
  }

  async create(state: SweepState): Promise<void> {
    const multi = this.redis.multi();
    if (Array.isArray(state.spec.numbers))
      multi.set(this.numbersKey(state.id), JSON.stringify(state.spec.numbers));
    await multi.hset(this.key(state.id), serialize(state)).zadd(this.indexKey(), 0, state.id).exec();
  }

  /** The sweep's state, its spec whole (a list of numbers read back in place of its reference). */
  async get(id: string): Promise<SweepState | null> {
    const hash = await this.redis.hgetall(this.key(id));
    if (!hash.status) return null;
    const { spec, ...rest } = deserialize(hash);
    if (!isNumberListRef(spec.numbers)) return { ...rest, spec: { ...spec, numbers: spec.numbers } };
    const list = await this.numberList(id);
    if (list === null) throw new Error(`sweep ${id}: its list of numbers is missing from Redis`);
    return { ...rest, spec: { ...spec, numbers: list } };
  }

  /** Status and chunk count only: what a worker checks before every chunk, without the spec's list. */
  async status(id: string): Promise<Pick<SweepState, 'status' | 'total'> | null> {
    const [status, total] = await this.redis.hmget(this.key(id), 'status', 'total');
    return status ? { status: status as SweepStatus, total: Number(total) } : null;
  }

  /** The sweep's list of numbers (sorted, without duplicates), or null when its spec has none. */
  async numberList(id: string): Promise<number[] | null> {
    const text = await this.redis.get(this.numbersKey(id));
    return text === null ? null : (JSON.parse(text) as number[]);
  }

  async progress(id: string, total: number): Promise<SweepProgress> {
    return { done: await this.redis.scard(this.doneKey(id)), total };
  }

  /** Ids newest first, after `cursor` (an id from a previous page) when given. */
  async list(limit: number, cursor?: string): Promise<string[]> {
    const start = cursor ? `(${cursor}` : '+';
    return this.redis.zrange(this.indexKey(), start, '-', 'BYLEX', 'REV', 'LIMIT', 0, limit);
  }

  /** Sets `status` if the current one is in `from`; returns whether it did (false also for unknown ids). */
  async transition(
    id: string,
    from: SweepStatus[],
    to: SweepStatus,
    fields: Partial<Record<keyof SweepState, string | number | null>> = {},
  ): Promise<boolean> {
    const pairs = Object.entries(fields).flatMap(([k, v]) => [k, v === null ? '' : String(v)]);
    const result = await this.redis.eval(TRANSITION, 1, this.key(id), to, from.join(','), ...pairs);
    return result === 1;
  }

  /** Notes that a chunk started: the sweep becomes running, with its start time set once. */
  async markStarted(id: string, now: string): Promise<void> {
    await this.redis.hsetnx(this.key(id), 'startedAt', now);
    await this.transition(id, ['queued'], 'running');
  }

  /** Records a finished chunk; returns how many distinct chunks are done. */
  async markChunkDone(id: string, index: number): Promise<number> {
    const [, count] = (await this.redis
      .multi()
      .sadd(this.doneKey(id), String(index))
      .scard(this.doneKey(id))
      .exec())!;
    return count[1] as number;
  }

  async doneChunks(id: string): Promise<Set<number>> {
    return new Set((await this.redis.smembers(this.doneKey(id))).map(Number));
  }

  /** How many sweeps are in each status (a scan of the index; run at metrics scrape time). */
  async countByStatus(): Promise<Record<string, number>> {
    const ids = await this.redis.zrange(this.indexKey(), '0', '-1');
    const counts: Record<string, number> = {};
    for (let i = 0; i < ids.length; i += 500) {
      const pipeline = this.redis.pipeline();
      for (const id of ids.slice(i, i + 500)) pipeline.hget(this.key(id), 'status');
      for (const [, status] of (await pipeline.exec()) ?? [])
        if (typeof status === 'string') counts[status] = (counts[status] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * Runs `task` while holding the sweep's lock, so that only one process at a time writes its manifest
   * (the API cancelling, a worker whose chunk finished meanwhile, the finalize job): the last writer
   * then always read the parts last. The lock expires after `ttlMs` should its holder die.
   */
  async withLock<T>(id: string, task: () => Promise<T>, ttlMs = 120_000, waitMs = 120_000): Promise<T> {
    const key = `${this.key(id)}:lock`;
    const token = randomBytes(8).toString('hex');
    const deadline = Date.now() + waitMs;
    while ((await this.redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`sweep ${id} stayed locked for ${waitMs} ms; try again`);
      await delay(25);
    }
    try {
      return await task();
    } finally {
      await this.redis.eval(UNLOCK, 1, key, token).catch(() => undefined);
    }
  }

  async remove(id: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.key(id), this.doneKey(id), this.numbersKey(id))
      .zrem(this.indexKey(), id)
      .exec();
  }

  private key(id: string): string {
    return `${this.prefix}:sweep:${id}`;
  }

  private doneKey(id: string): string {
    return `${this.prefix}:sweep:${id}:done`;
  }

  private numbersKey(id: string): string {
    return `${this.prefix}:sweep:${id}:numbers`;
  }

  private indexKey(): string {
    return `${this.prefix}:sweeps`;
  }
}

function serialize(state: SweepState): Record<string, string> {
  const hash: Record<string, string> = {
    id: state.id,
    status: state.status,
    createdAt: state.createdAt,
    spec: JSON.stringify(referToList(state.spec)),
    specHash: state.specHash,
    total: String(state.total),
    round: String(state.round),
  };
  // Absent rather than empty, so that HSETNX can set the start time exactly once.
  if (state.startedAt) hash.startedAt = state.startedAt;
  if (state.finishedAt) hash.finishedAt = state.finishedAt;
  if (state.error) hash.error = state.error;
  return hash;
}

function deserialize(hash: Record<string, string>): Omit<SweepState, 'spec'> & { spec: SpecByReference } {
  return {
    id: hash.id,
    status: hash.status as SweepStatus,
    createdAt: hash.createdAt,
    startedAt: hash.startedAt || null,
    finishedAt: hash.finishedAt || null,
    error: hash.error || null,
    spec: JSON.parse(hash.spec) as SpecByReference,
    specHash: hash.specHash,
    total: Number(hash.total),
    round: Number(hash.round ?? 0),
  };
}
