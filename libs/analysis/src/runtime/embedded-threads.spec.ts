import { describe, expect, it } from 'vitest';
import { planSweep } from '../plan/plan-sweep';
import { parseSweepSpec } from '../spec/sweep-spec';
import { embeddedThreads, estimatedWorkSeconds, THREADS_PAY_OFF_SECONDS } from './embedded-threads';

function tasksOf(body: Record<string, unknown>) {
  const { spec, numbers } = parseSweepSpec({ models: ['gpt2'], ...body });
  return planSweep(spec, numbers);
}

describe(embeddedThreads.name, () => {
  it('runs the default sweep on the main thread: starting threads would cost more than its work', () => {
    const tasks = tasksOf({});
    expect(tasks.length).toBeGreaterThan(1);
    expect(estimatedWorkSeconds(tasks)).toBeLessThan(THREADS_PAY_OFF_SECONDS);
    expect(embeddedThreads(tasks, undefined, 2)).toBe(0);
    const small = tasksOf({
      numbers: '0..299999',
      analyses: ['tokens', 'sign-symmetry', 'successive-cosine'],
    });
    expect(embeddedThreads(small, undefined, 2)).toBe(0);
  });

  it('uses every core for a sweep with more work than a pool costs, but no more threads than tasks', () => {
    const large = tasksOf({ numbers: '0..999999', analyses: ['tokens', 'sign-symmetry'] });
    expect(embeddedThreads(large, undefined, 2)).toBe(2);
    expect(embeddedThreads(large, undefined, 64)).toBe(large.length);
    const matrix = tasksOf({ numbers: '0..4095', analyses: ['cosine-matrix'] });
    expect(embeddedThreads(matrix, undefined, 2)).toBe(2);
  });

  it('counts a nearest-token search as heavy work per number (10,000 numbers are one task)', () => {
    expect(embeddedThreads(tasksOf({ numbers: '0..9999', analyses: ['neighbors'] }), undefined, 2)).toBe(1);
    expect(embeddedThreads(tasksOf({ numbers: '0..99', analyses: ['neighbors'] }), undefined, 2)).toBe(0);
  });

  it('takes the thread count the user gave, capped by the tasks', () => {
    const tasks = tasksOf({});
    expect(embeddedThreads(tasks, 2, 8)).toBe(2);
    expect(embeddedThreads(tasks, 0, 8)).toBe(0);
    expect(embeddedThreads(tasks, 64, 8)).toBe(tasks.length);
  });
});
