import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngSize, svgSize } from '../../../../test/helpers/png';
import { writeSyntheticSweep } from '../../../../test/helpers/synthetic-sweep';
import { MAX_MARKS } from './mark-budget';
import { figureSpecs, renderPlots } from './render-plots';
import { PNG_SCALE } from './vega-renderer';

interface SpecView {
  title: { text: string; subtitle?: string[] };
  data: { values: Record<string, unknown>[] };
  facet?: { field: string; sort: string[] };
  spec?: { encoding?: { x?: { field?: string } } };
  encoding?: { x?: { field?: string } };
}

/** Subtitle lines of a spec, joined, for asserting what the figure says about itself. */
const subtitle = (spec: SpecView) => (spec.title.subtitle ?? []).join(' / ');

describe(renderPlots.name, () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-plots-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('draws a small sweep point by point: the four figures as SVG and PNG', async () => {
    const dir = path.join(root, 'small');
    await writeSyntheticSweep(dir, {
      panels: [{ slug: 'model-a', format: 'plain' }],
      from: -100,
      count: 201,
      matrixNumbers: 12,
    });
    const written = await renderPlots(dir);
    const figures = ['cosine-matrix', 'successive-cosine', 'token-counts', 'token-ids'];
    expect(written).toEqual(figures.flatMap((f) => [`plots/${f}.png`, `plots/${f}.svg`]));

    const specs = Object.fromEntries(
      (await figureSpecs(dir)).map(({ name, spec }) => [name, spec as unknown as SpecView]),
    );
    expect(specs['token-counts'].data.values).toHaveLength(201);
    expect(specs['cosine-matrix'].data.values).toHaveLength(144);
    for (const spec of Object.values(specs)) {
      expect(spec.facet).toBeUndefined();
      expect(subtitle(spec)).toContain('synthetic/model-a · format plain');
      expect(subtitle(spec)).not.toMatch(/binned|sampled/);
    }
  });

  it('labels few successive-cosine bars with the numbers’ text, as the notebook does', async () => {
    const dir = path.join(root, 'digits');
    await writeSyntheticSweep(dir, { panels: [{ slug: 'model-a', format: 'plain' }], from: 0, count: 11 });
    const spec = (await figureSpecs(dir)).find((f) => f.name === 'successive-cosine')!
      .spec as unknown as SpecView;
    expect(spec.encoding?.x?.field).toBe('label');
    // The first number keeps its tick (with no bar), as the notebook's `0`.
    expect(spec.data.values.map((v) => v.label)).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
    ]);
  });

  it('summarizes a large multi-model sweep within the mark budget and says so on each figure', async () => {
    const dir = path.join(root, 'large');
    const panels = [
      { slug: 'model-a', format: 'plain' as const },
      { slug: 'model-b', format: 'plain' as const },
    ];
    await writeSyntheticSweep(dir, {
      panels,
      from: -30_000,
      count: 60_001,
      partSize: 25_000,
      matrixNumbers: 300,
    });
    const specs = Object.fromEntries(
      (await figureSpecs(dir)).map(({ name, spec }) => [name, spec as unknown as SpecView]),
    );
    expect(Object.keys(specs).sort()).toEqual([
      'cosine-matrix',
      'successive-cosine',
      'token-counts',
      'token-histogram',
      'token-ids',
    ]);
    for (const [name, spec] of Object.entries(specs)) {
      expect(spec.data.values.length, name).toBeLessThanOrEqual(MAX_MARKS);
      expect(spec.facet?.sort, name).toEqual(['synthetic/model-a', 'synthetic/model-b']);
    }
    expect(subtitle(specs['token-counts'])).toMatch(/binned: \d+ numbers per column/);
    expect(subtitle(specs['token-ids'])).toMatch(/sampled: every \d+\w\w number/);
    expect(subtitle(specs['successive-cosine'])).toMatch(/binned: \d+ numbers per bin/);
    expect(subtitle(specs['cosine-matrix'])).toMatch(/binned: mean cosine over blocks of 3 × 3 numbers/);
  });

  it('writes PNGs at twice the SVG size', async () => {
    const dir = path.join(root, 'small');
    const { readFile } = await import('node:fs/promises');
    for (const figure of ['token-counts', 'cosine-matrix']) {
      const svg = await readFile(path.join(dir, 'plots', `${figure}.svg`), 'utf8');
      const png = await readFile(path.join(dir, 'plots', `${figure}.png`));
      const size = svgSize(svg);
      expect(pngSize(png)).toEqual({ width: size.width * PNG_SCALE, height: size.height * PNG_SCALE });
    }
  });
});
