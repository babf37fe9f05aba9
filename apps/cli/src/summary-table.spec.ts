import { describe, expect, it } from 'vitest';
import { Summary } from '@tokensweep/analysis';
import { formatSummaryTable } from './summary-table';

const lines = (summary: Summary) => formatSummaryTable(summary).split('\n');

describe(formatSummaryTable.name, () => {
  it('shows the matrix of a sweep that computed only the matrix, without empty token columns', () => {
    const [header, , row] = lines({
      entries: [
        {
          model: 'gpt2',
          slug: 'gpt2',
          format: 'plain',
          cosineMatrix: { numbers: 20, mean: 0.5, min: -0.125, max: 0.875 },
        },
      ],
    });
    expect(header.split(/\s{2,}/)).toEqual([
      'model',
      'format',
      'matrix numbers',
      'off-diag. mean',
      'min',
      'max',
    ]);
    expect(row.split(/\s+/)).toEqual(['gpt2', 'plain', '20', '0.5000', '-0.1250', '0.8750']);
  });

  it('shows the strongest period of a fourier-only sweep', () => {
    const [header, , row] = lines({
      entries: [
        {
          model: 'gpt2',
          slug: 'gpt2',
          format: 'space',
          fourier: { runLength: 100, topPeriods: [{ period: 10, normalizedPower: 0.25 }] },
        },
      ],
    });
    expect(header.split(/\s{2,}/)).toEqual(['model', 'format', 'fourier run', 'top period', 'share']);
    expect(row.split(/\s+/)).toEqual(['gpt2', 'space', '100', '10.00', '0.2500']);
  });

  it('keeps the token columns of the default sweep and leaves blank what an entry lacks', () => {
    const [header, , first, second] = lines({
      entries: [
        {
          model: 'gpt2',
          slug: 'gpt2',
          format: 'plain',
          tokens: { numbers: 3, histogram: { 1: 2, 2: 1 }, singleTokenShare: 2 / 3, firstMultiToken: 100 },
          signSymmetry: { pairs: 1, countMatches: 1, idsMatches: 1 },
          successiveCosine: { rows: 2, withCosine: 2, mean: 0.25, min: 0, max: 0.5 },
        },
        {
          model: '/models/local',
          slug: 'local',
          format: 'plain',
          successiveCosine: { rows: 2, withCosine: 0, mean: null, min: null, max: null },
        },
      ],
    });
    expect(header.split(/\s{2,}/)).toEqual([
      'model',
      'format',
      'numbers',
      '1 tok',
      '2 tok',
      '1-token share',
      'first split ≥0',
      'sign count/ids',
      'succ. cosine mean',
    ]);
    expect(first.split(/\s{2,}/)).toEqual([
      'gpt2',
      'plain',
      '3',
      '2',
      '1',
      '66.7%',
      '100',
      '1/1 of 1',
      '0.2500',
    ]);
    expect(second.trim().split(/\s+/)).toEqual(['local', 'plain', 'n/a']);
  });
});
