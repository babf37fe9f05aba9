import { Job } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import {
  ChunkExecutor,
  DEFAULT_LIMITS,
  ExecutorClosedError,
  newSweepId,
  parseSweepSpec,
  planSweep,
  specHash,
} from '@tokensweep/analysis';
import { ServiceConfig, SweepLifecycle, SweepStore } from '@tokensweep/queue';
import { ChunkProcessor } from './chunk.processor';

/** A chunk job on its last attempt (the third of three), as BullMQ hands it to the processor. */
function lastAttempt(): Job {
  const { spec, numbers } = parseSweepSpec({ models: ['gpt2'], numbers: '0..9', analyses: ['tokens'] });
  const [task] = planSweep(spec, numbers);
  const data = { sweepId: newSweepId(), spec, specHash: specHash(spec), task };
  return {
    id: `${data.sweepId}-0`,
    data,
    attemptsMade: 2,
    opts: { attempts: 3 },
    updateProgress: vi.fn(),
  } as unknown as Job;
}

function processorFailingWith(error: Error) {
  const executor: ChunkExecutor = { run: () => Promise.reject(error), close: async () => {} };
  const store = {
    status: async () => ({ status: 'running', total: 1 }),
    markStarted: async () => {},
    markChunkDone: async () => 1,
  } as unknown as SweepStore;
  const fail = vi.fn(async () => {});
  const lifecycle = { sweepDir: () => '/nonexistent', fail } as unknown as SweepLifecycle;
  const config = { limits: DEFAULT_LIMITS } as ServiceConfig;
  return { processor: new ChunkProcessor(config, executor, store, lifecycle), fail };
}

describe('ChunkProcessor on a chunk that does not finish', () => {
  it('fails the sweep when the last attempt of the chunk fails', async () => {
    const { processor, fail } = processorFailingWith(new Error('out of disk'));
    await expect(processor.process(lastAttempt())).rejects.toThrow(/^chunk 0 \(.*\) failed: out of disk$/);
    expect(fail).toHaveBeenCalledWith(expect.any(String), expect.stringMatching(/failed: out of disk$/));
  });

  it('leaves the sweep alone when a shutdown stopped the chunk after handing it back, even on its last attempt', async () => {
    const { processor, fail } = processorFailingWith(
      new ExecutorClosedError('the thread pool closed before this chunk finished'),
    );
    await expect(processor.process(lastAttempt())).rejects.toBeInstanceOf(ExecutorClosedError);
    expect(fail).not.toHaveBeenCalled();
  });
});
