import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeDemoModel } from '@tokensweep/analysis/demo/demo-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng, inkIn, pngSize, svgSize } from './helpers/png';
import { runCliOk } from './helpers/run-cli';
import { TestWorkspace } from './helpers/test-model';

/**
 * The figures of real sweeps over the demo model (the GPT-2 tokenizer, seeded embeddings), made by
 * the built CLI: `run --plots` and `plot DIR` write each figure as an SVG and a PNG with its text
 * drawn, list them in the manifest, and give a multi-model sweep one panel per model.
 */
const FIGURES = {
  'token-counts': { texts: ['Token count of each number', 'Number', 'Token count'], minWidth: 960 },
  'token-ids': {
    texts: ['Token ids of each number', 'Number', 'Token index', 'First', 'Second'],
    minWidth: 960,
  },
  'successive-cosine': {
    texts: ['Cosine similarities of sequential token embeddings', 'Number', 'Cosine similarity'],
    minWidth: 960,
  },
  'cosine-matrix': { texts: ['Cosine similarity in number pairs', 'Number', 'Cosine'], minWidth: 380 },
} as const;
const FIGURE_FILES = Object.keys(FIGURES)
  .sort()
  .flatMap((name) => [`plots/${name}.png`, `plots/${name}.svg`]);
const NUMBERS = ['--numbers', '-50..150', '--threads', '0'];

const manifestOf = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
const svgOf = (dir: string, figure: string) => readFile(path.join(dir, 'plots', `${figure}.svg`), 'utf8');
const pngOf = (dir: string, figure: string) => readFile(path.join(dir, 'plots', `${figure}.png`));

describe('figures', () => {
  let workspace: TestWorkspace;
  let modelOne: string;
  let modelTwo: string;
  let plotted: string;

  beforeAll(async () => {
    workspace = await TestWorkspace.create('plots');
    // Two models that differ in their embeddings and in name: their slugs label the panels.
    modelOne = path.join(workspace.root, 'models', 'demo-one');
    modelTwo = path.join(workspace.root, 'models', 'demo-two');
    await writeDemoModel(modelOne, { seed: 1 });
    await writeDemoModel(modelTwo, { seed: 2 });
    plotted = workspace.out('plotted');
    await runCliOk(['run', '--model', modelOne, ...NUMBERS, '--plots', '--out', plotted]);
  });

  afterAll(async () => {
    await workspace?.cleanup();
  });

  it('run --plots lists every figure, SVG and PNG, in the manifest', async () => {
    expect((await manifestOf(plotted)).plots).toEqual(FIGURE_FILES);
  });

  it.each(Object.entries(FIGURES))(
    '%s is a valid PNG at twice the size of its SVG',
    async (figure, { minWidth }) => {
      const png = await pngOf(plotted, figure);
      const svg = await svgOf(plotted, figure);
      const { width, height } = svgSize(svg);
      expect(width).toBeGreaterThan(minWidth);
      expect(pngSize(png)).toEqual({ width: 2 * width, height: 2 * height });
      // The whole stream decodes (every chunk and filter row), not just the header.
      expect(decodePng(png).rgba).toHaveLength(4 * 2 * width * 2 * height);
    },
  );

  it.each(Object.entries(FIGURES))(
    '%s has its title, axis labels and legend, drawn in the PNG',
    async (figure, { texts }) => {
      const svg = await svgOf(plotted, figure);
      for (const text of texts) expect(svg).toContain(`>${text}</text>`);
      // The bold 16px title sits alone at the top (SVG y 12..30 below the 12px padding): with no font
      // to draw it, that band of the PNG would be blank.
      const png = decodePng(await pngOf(plotted, figure));
      expect(inkIn(png, 0, 24, png.width, 60)).toBeGreaterThan(500);
    },
  );

  it('plot DIR renders the figures of a finished sweep and adds them to its manifest', async () => {
    const out = workspace.out('later');
    await runCliOk(['run', '--model', modelOne, ...NUMBERS, '--analysis', 'tokens', '--out', out]);
    expect((await manifestOf(out)).plots).toEqual([]);
    const { stdout } = await runCliOk(['plot', out]);
    const expected = [
      'plots/token-counts.png',
      'plots/token-counts.svg',
      'plots/token-ids.png',
      'plots/token-ids.svg',
    ];
    expect((await manifestOf(out)).plots).toEqual(expected);
    expect(stdout.trim().split('\n')).toEqual(expected.map((file) => path.join(out, file)));
  });

  it('gives a two-model sweep one panel per model, and a token-count histogram', async () => {
    const out = workspace.out('two-models');
    await runCliOk([
      'run',
      '--model',
      modelOne,
      '--model',
      modelTwo,
      '--numbers',
      '0..60',
      '--threads',
      '0',
      '--plots',
      '--out',
      out,
    ]);
    expect((await manifestOf(out)).plots).toContain('plots/token-histogram.png');
    for (const figure of [...Object.keys(FIGURES), 'token-histogram']) {
      const svg = await svgOf(out, figure);
      // Vega draws each facet cell's marks as one `child_marks` group.
      expect(svg.match(/role-mark child_marks/g), figure).toHaveLength(2);
      expect(svg, figure).toContain('>demo-one</text>');
      expect(svg, figure).toContain('>demo-two</text>');
    }
  });
});
