import { UnrecoverableError } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import {
  ChunkExecutor,
  DEFAULT_LIMITS,
  ExecutorClosedError,
  newSweepId,
  parseSweepSpec,
  planSweep,
  specHash,
  StorageAccessError,
} from '@tokensweep/analysis';
import { JobName, JobOf, ServiceConfig, SweepLifecycle, SweepStore } from '@tokensweep/queue';
import { ChunkProcessor } from './chunk.processor';

/** A chunk job on its last attempt (the third of three), as BullMQ hands it to the processor. */
function lastAttempt(): JobOf<JobName.RunChunk> {
  const { spec, numbers } = parseSweepSpec({ models: ['gpt2'], numbers: '0..9', analyses: ['tokens'] });
  const [task] = planSweep(spec, numbers);
  const data = { sweepId: newSweepId(), spec, specHash: specHash(spec), task, round: 0 };
  return {
    id: `${data.sweepId}-0`,
    data,
    attemptsMade: 2,
    opts: { attempts: 3 },
  } as unknown as JobOf<JobName.RunChunk>;
}

function processorFailingWith(error: Error) {
  const executor: ChunkExecutor = { run: () => Promise.reject(error), close: async () => {} };
  const fail = vi.fn(async () => {});
  const lifecycle = {
    sweepTarget: () => ({ kind: 'file', dir: '/nonexistent' }),
    startChunk: async () => null,
    chunkStopped: async () => {},
    fail,
  } as unknown as SweepLifecycle;
  const store = { numberList: async () => null } as unknown as SweepStore;
  const config = { limits: DEFAULT_LIMITS } as ServiceConfig;
  return { processor: new ChunkProcessor(config, executor, store, lifecycle), fail };
}

describe('ChunkProcessor on a chunk that does not finish', () => {
  it('fails the sweep when the last attempt of the chunk fails', async () => {
    const { processor, fail } = processorFailingWith(new Error('out of disk'));
    await expect(processor.process(lastAttempt())).rejects.toThrow(/^chunk 0 \(.*\) failed: out of disk$/);
    expect(fail).toHaveBeenCalledWith(expect.any(String), expect.stringMatching(/failed: out of disk$/), 0);
  });

  it('leaves the sweep alone when a shutdown stopped the chunk after handing it back, even on its last attempt', async () => {
    const { processor, fail } = processorFailingWith(
      new ExecutorClosedError('the thread pool closed before this chunk finished'),
    );
    await expect(processor.process(lastAttempt())).rejects.toBeInstanceOf(ExecutorClosedError);
    expect(fail).not.toHaveBeenCalled();
  });
});

describe('ChunkProcessor on a store that refuses the worker', () => {
  it('fails the sweep on the first attempt, with the store message, and does not retry', async () => {
    const message = 'cannot write s3://results/x/part: InvalidAccessKeyId (HTTP 403): no such key id';
    const { processor, fail } = processorFailingWith(new StorageAccessError(message));
    const job = lastAttempt();
    Object.assign(job, { attemptsMade: 0 });
    const failure = processor.process(job);
    await expect(failure).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(failure).rejects.toThrow(message);
    expect(fail).toHaveBeenCalledWith(expect.any(String), expect.stringContaining(message), 0);
  });
});
