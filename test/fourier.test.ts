import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '@tokensweep/analysis/demo/demo-model';
import { analysisTable, DuckDb } from './helpers/duckdb';
import { integers, referenceIds } from './helpers/reference-bpe';
import { runCli, runCliOk } from './helpers/run-cli';
import { TestWorkspace } from './helpers/test-model';

// Embeddings that carry known periodic components along the number axis: the number n (a single
// GPT-2 token for n ≤ 520) gets cos(2πn/p + φ_d) on a few dimensions for each period p, plus small
// noise elsewhere. The spectrum must peak at exactly those periods, as published work reports for GPT-2.
const PERIODS = [2, 5, 10];
const DIM = 16;
const N = 520;

describe('fourier', () => {
  let workspace: TestWorkspace;
  let model: string;
  let duck: DuckDb;

  beforeAll(async () => {
    workspace = await TestWorkspace.create('fourier');
    const numberOfToken = new Map<number, number>();
    for (const n of integers(0, N - 1)) {
      const ids = referenceIds(String(n));
      expect(ids).toHaveLength(1);
      numberOfToken.set(ids[0], n);
    }
    model = `${workspace.root}/models/periodic`;
    await writeDemoModel(model, {
      dim: DIM,
      values: (row, d) => {
        const n = numberOfToken.get(row);
        const noise = Math.sin(row * 12.9898 + d * 78.233) * 0.01;
        if (n === undefined) return noise;
        const period = PERIODS[d % PERIODS.length];
        return Math.cos((2 * Math.PI * n) / period + d) + noise;
      },
    });
    duck = await DuckDb.open();
  });

  afterAll(async () => {
    duck?.close();
    await workspace?.cleanup();
  });

  it('finds exactly the periods the embeddings carry', async () => {
    const out = workspace.out('periodic');
    await runCliOk([
      'run',
      '--model',
      model,
      '--numbers',
      `0..${N - 1}`,
      '--analysis',
      'fourier',
      '--out',
      out,
    ]);
    const rows = await duck.rows<{ period: number; normalized_power: number }>(
      `SELECT period, normalized_power FROM ${analysisTable(out, 'fourier')} ORDER BY normalized_power DESC`,
    );
    expect(rows).toHaveLength(N / 2);
    expect(
      rows
        .slice(0, 3)
        .map((r) => r.period)
        .sort((a, b) => a - b),
    ).toEqual(PERIODS);
    const share = rows.slice(0, 3).reduce((sum, r) => sum + r.normalized_power, 0);
    expect(share).toBeGreaterThan(0.99);
    const total = await duck.value<number>(
      `SELECT sum(normalized_power) FROM ${analysisTable(out, 'fourier')}`,
    );
    expect(total).toBeCloseTo(1, 9);
  });

  it('uses the longest run of consecutive integers with an embedding', async () => {
    // 0..99 and 200..519 are swept; 521 splits into two tokens, so with pooling none 520..600 adds only 520
    const out = workspace.out('runs');
    await runCliOk([
      'run',
      '--model',
      model,
      '--numbers',
      '0..99, 200..600',
      '--analysis',
      'fourier',
      '--out',
      out,
    ]);
    const periods = await duck.rows<{ period: number }>(
      `SELECT period FROM ${analysisTable(out, 'fourier')} ORDER BY period DESC`,
    );
    // the run is 200..520: N = 321, so k = 1..160 and the longest period is 321
    expect(periods).toHaveLength(160);
    expect(periods[0].period).toBeCloseTo(321, 9);
  });

  it('is refused past MAX_FOURIER_NUMBERS, naming the variable', async () => {
    const out = workspace.out('refused');
    const result = await runCli(
      ['run', '--model', model, '--numbers', '0..99', '--analysis', 'fourier', '--out', out],
      {
        MAX_FOURIER_NUMBERS: '50',
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/fourier.*100 numbers.*limit of 50.*MAX_FOURIER_NUMBERS/);
  });
});
