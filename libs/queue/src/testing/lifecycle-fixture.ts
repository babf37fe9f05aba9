import { parseSweepSpec } from '@tokensweep/analysis';
import { SweepLifecycle } from '../sweep-lifecycle';
import { MemoryResults, MemorySweepQueue, MemorySweepStore } from './memory-adapters';

/**
 * A lifecycle over in-memory adapters with a clock the test moves, and a sweep of 4 chunks to submit
 * (20 numbers in slices of 5), for unit tests of the lifecycle's transitions.
 */
export function lifecycleFixture() {
  const store = new MemorySweepStore();
  const queue = new MemorySweepQueue();
  const results = new MemoryResults();
  const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
  const lifecycle = new SweepLifecycle(store, queue, results, () => clock.now);
  // 4 chunks: 20 numbers in slices of 5
  const { spec, numbers } = parseSweepSpec({
    models: ['demo-a'],
    numbers: '1..20',
    analyses: ['tokens'],
    chunkSize: 5,
  });
  const submit = async (priority: 'low' | 'normal' | 'high' = 'normal') =>
    (await lifecycle.submit(spec, numbers, priority)).id;
  const status = async (id: string) => (await store.get(id))?.status;
  const runAll = async (id: string, round: number) => {
    for (let index = 0; index < 4; index++) {
      if (await lifecycle.startChunk(id, round, index)) continue;
      await lifecycle.chunkDone(id, index);
    }
  };
  return { store, queue, results, clock, lifecycle, submit, status, runAll };
}
