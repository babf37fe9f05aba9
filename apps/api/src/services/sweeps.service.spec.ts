import { describe, expect, it } from 'vitest';
import { Manifest, parseSweepSpec } from '@tokensweep/analysis';
import { SweepLifecycle, SweepNotFoundError, SweepStore } from '@tokensweep/queue';
import { ResultsRepository } from '../repositories/results.repository';
import { SweepsService } from './sweeps.service';

/** A sweep Redis no longer holds (flushed, or a new Redis), known only from its manifest on disk. */
function serviceWithLostSweep(status: Manifest['status'], files: number) {
  // 20 numbers in slices of 5 with two analyses: 4 chunks, each writing 2 part files
  const { spec } = parseSweepSpec({
    models: ['demo-a'],
    numbers: '1..20',
    analyses: ['tokens', 'sign-symmetry'],
    chunkSize: 5,
  });
  const manifest = {
    id: '20260101-000000000-abcdef',
    status,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: '2026-01-01T00:00:01.000Z',
    finishedAt: '2026-01-01T00:00:09.000Z',
    error: null,
    spec,
    files: Array.from({ length: files }, (_, i) => ({ path: `p${i}`, rows: 5 })),
  } as unknown as Manifest;
  const store = { get: async () => null } as unknown as SweepStore;
  const results = {
    manifest: async (id: string) => (id === manifest.id ? manifest : null),
  } as unknown as ResultsRepository;
  return { service: new SweepsService({} as SweepLifecycle, store, results), id: manifest.id };
}

describe('SweepsService.get for a sweep Redis lost', () => {
  it('reports a completed sweep as every one of its chunks done, counted from its spec, not its part files', async () => {
    const { service, id } = serviceWithLostSweep('completed', 8);
    expect(await service.get(id)).toMatchObject({
      status: 'completed',
      priority: null,
      progress: { done: 4, total: 4, running: 0, queued: 0, chunksPerSecond: null, etaSeconds: 0 },
    });
  });

  it('does not invent how many chunks a cancelled sweep finished: done is unknown', async () => {
    const { service, id } = serviceWithLostSweep('cancelled', 3);
    expect((await service.get(id)).progress).toEqual({
      done: null,
      total: 4,
      running: 0,
      queued: 0,
      chunksPerSecond: null,
      etaSeconds: null,
    });
  });

  it('is not found when neither Redis nor the results know it', async () => {
    const { service } = serviceWithLostSweep('completed', 8);
    await expect(service.get('20260101-000000000-000000')).rejects.toBeInstanceOf(SweepNotFoundError);
  });
});
