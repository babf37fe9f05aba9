import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import {
  isNumberListRef,
  readPriority,
  referToList,
  SpecByReference,
  SweepPriority,
  SweepRecord,
  SweepStatus,
} from '@tokensweep/analysis';
import { reportRedisOutages } from './redis-outage';

/**
 * A sweep's state as Redis holds it: its record, how many chunks it has, which enqueueing round is
 * live (and when its first chunk started), and how its chunks rank against other sweeps'.
 */
export interface SweepState extends SweepRecord {
  total: number;
  round: number;
  roundStartedAt: string | null;
  priority: SweepPriority;
}

/** The part of a sweep's state a worker reads around every chunk. */
export type SweepStatusOnly = Pick<SweepState, 'status' | 'total' | 'round'>;

/** What Redis counts of a sweep's chunks: done, held by a worker, and done since a moment. */
export interface ChunkCounts {
  done: number;
  running: number;
  doneSince: number;
}

/** How long the finish times of chunks are kept: the rate is measured over this window. */
export const RATE_WINDOW_MS = 60_000;

// Moves a sweep to ARGV[1] only if its status is one of ARGV[2] (comma-separated) and, when ARGV[3]
// is not empty, its round is ARGV[3]; then sets the field/value pairs that follow. Atomic, so two
// workers never both win a transition, and a step of an earlier round never wins one.
const TRANSITION = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return -1 end
local allowed = false
for s in string.gmatch(ARGV[2], '[^,]+') do if s == status then allowed = true end end
if not allowed then return 0 end
if ARGV[3] ~= '' and (redis.call('HGET', KEYS[1], 'round') or '0') ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`;

// Claims chunk ARGV[2] of round ARGV[3] for a worker, in one step: reads the sweep's status and
// round, and only when the status is one of ARGV[4] (the statuses a chunk may run in) and the round
// is the live one, sets startedAt and roundStartedAt where unset or empty (a retry empties the
// round's), adds the chunk to the running set KEYS[2] and moves the status from one of ARGV[5] to
// ARGV[6]. Returns status, total and round as found (nil when the sweep is gone).
const CLAIM_CHUNK = `
local found = redis.call('HMGET', KEYS[1], 'status', 'total', 'round')
if not found[1] then return nil end
local round = found[3] or '0'
local function listed(list, value)
  for s in string.gmatch(list, '[^,]+') do if s == value then return true end end
  return false
end
if round == ARGV[3] and listed(ARGV[4], found[1]) then
  for _, field in ipairs({'startedAt', 'roundStartedAt'}) do
    local value = redis.call('HGET', KEYS[1], field)
    if not value or value == '' then redis.call('HSET', KEYS[1], field, ARGV[1]) end
  end
  redis.call('SADD', KEYS[2], ARGV[2])
  if listed(ARGV[5], found[1]) then redis.call('HSET', KEYS[1], 'status', ARGV[6]) end
end
return {found[1], found[2] or '0', round}
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

  /** Status, chunk count and round only: what a worker checks around every chunk, without the spec's list. */
  async status(id: string): Promise<SweepStatusOnly | null> {
    const [status, total, round] = await this.redis.hmget(this.key(id), 'status', 'total', 'round');
    return status ? { status: status as SweepStatus, total: Number(total), round: Number(round ?? 0) } : null;
  }

  /** The sweep's list of numbers (sorted, without duplicates), or null when its spec has none. */
  async numberList(id: string): Promise<number[] | null> {
    const text = await this.redis.get(this.numbersKey(id));
    return text === null ? null : (JSON.parse(text) as number[]);
  }

  /** Counts of the sweep's chunks; `doneSince` counts those whose last finish came after `sinceMs`. */
  async chunkCounts(id: string, sinceMs: number): Promise<ChunkCounts> {
    const [[, done], [, running], [, doneSince]] = (await this.redis
      .multi()
      .scard(this.doneKey(id))
      .scard(this.runningKey(id))
      .zcount(this.finishedKey(id), `(${sinceMs}`, '+inf')
      .exec())!;
    return { done: done as number, running: running as number, doneSince: doneSince as number };
  }

  /** Ids newest first, after `cursor` (an id from a previous page) when given. */
  async list(limit: number, cursor?: string): Promise<string[]> {
    const start = cursor ? `(${cursor}` : '+';
    return this.redis.zrange(this.indexKey(), start, '-', 'BYLEX', 'REV', 'LIMIT', 0, limit);
  }

  /**
   * Sets `status` if the current one is in `from` and, when `round` is given, the sweep is in that
   * round; returns whether it did (false also for unknown ids).
   */
  async transition(
    id: string,
    from: readonly SweepStatus[],
    to: SweepStatus,
    fields: Partial<Record<keyof SweepState, string | number | null>> = {},
    round?: number,
  ): Promise<boolean> {
    const pairs = Object.entries(fields).flatMap(([k, v]) => [k, v === null ? '' : String(v)]);
    const expected = round === undefined ? '' : String(round);
    const result = await this.redis.eval(TRANSITION, 1, this.key(id), to, from.join(','), expected, ...pairs);
    return result === 1;
  }

  /**
   * A worker claims chunk `index` of `round`, in one round trip: the sweep's status, total and round
   * as they were (null when it is gone); only when the status is one of `runnable` and the round is
   * the live one is the chunk recorded as running, the sweep's and round's start times set once, and
   * the status moved by `start` (e.g. queued → running).
   */
  async claimChunk(
    id: string,
    index: number,
    round: number,
    now: string,
    runnable: readonly SweepStatus[],
    start: { from: readonly SweepStatus[]; to: SweepStatus },
  ): Promise<SweepStatusOnly | null> {
    const found = (await this.redis.eval(
      CLAIM_CHUNK,
      2,
      this.key(id),
      this.runningKey(id),
      now,
      String(index),
      String(round),
      runnable.join(','),
      start.from.join(','),
      start.to,
    )) as [string, string, string] | null;
    return found
      ? { status: found[0] as SweepStatus, total: Number(found[1]), round: Number(found[2]) }
      : null;
  }

  /** Notes that a chunk stopped without finishing (it failed, or was handed back). */
  async markChunkStopped(id: string, index: number): Promise<void> {
    await this.redis.srem(this.runningKey(id), String(index));
  }

  /**
   * Records a finished chunk and when it finished; returns how many distinct chunks are done and the
   * sweep's status just after (null when it is gone), in one round trip.
   */
  async markChunkDone(
    id: string,
    index: number,
    nowMs: number,
  ): Promise<{ done: number; status: SweepStatus | null }> {
    const [, , , , count, status] = (await this.redis
      .multi()
      .sadd(this.doneKey(id), String(index))
      .srem(this.runningKey(id), String(index))
      .zadd(this.finishedKey(id), nowMs, String(index))
      .zremrangebyscore(this.finishedKey(id), '-inf', nowMs - RATE_WINDOW_MS)
      .scard(this.doneKey(id))
      .hget(this.key(id), 'status')
      .exec())!;
    return { done: count[1] as number, status: (status[1] as SweepStatus | null) || null };
  }

  /** Forgets which chunks were running (a new round starts with none; a killed worker's stay listed until then). */
  async clearRunning(id: string): Promise<void> {
    await this.redis.del(this.runningKey(id));
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
      .del(this.key(id), this.doneKey(id), this.runningKey(id), this.finishedKey(id), this.numbersKey(id))
      .zrem(this.indexKey(), id)
      .exec();
  }

  private key(id: string): string {
    return `${this.prefix}:sweep:${id}`;
  }

  private doneKey(id: string): string {
    return `${this.prefix}:sweep:${id}:done`;
  }

  private runningKey(id: string): string {
    return `${this.prefix}:sweep:${id}:running`;
  }

  private finishedKey(id: string): string {
    return `${this.prefix}:sweep:${id}:finished`;
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
    priority: state.priority,
  };
  // Absent rather than empty, so that HSETNX can set the start time exactly once.
  if (state.startedAt) hash.startedAt = state.startedAt;
  if (state.finishedAt) hash.finishedAt = state.finishedAt;
  if (state.error) hash.error = state.error;
  if (state.roundStartedAt) hash.roundStartedAt = state.roundStartedAt;
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
    roundStartedAt: hash.roundStartedAt || null,
    priority: readPriority(hash.priority || undefined),
  };
}
