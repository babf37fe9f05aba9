import { findParts } from '../output/part-record';
import { writeFileAtomically } from '../output/sweep-layout';
import { collectCosineMatrix } from './cosine-matrix.data';
import { cosineMatrixFigure } from './cosine-matrix.figure';
import { collectNeighbors } from './neighbors.data';
import { neighborsFigure, neighborsShareFigure } from './neighbors.figure';
import { panelsOf, panelsWith } from './panels';
import { collectPca } from './pca.data';
import { pcaFigure, pcaVarianceFigure } from './pca.figure';
import { collectSuccessiveCosine } from './successive-cosine.data';
import { successiveCosineFigure } from './successive-cosine.figure';
import { collectTokenCounts } from './token-counts.data';
import { tokenCountsFigure } from './token-counts.figure';
import { tokenHistogramFigure } from './token-histogram.figure';
import { collectTokenIds } from './token-ids.data';
import { tokenIdsFigure } from './token-ids.figure';
import { scanTokens } from './token-scan';
import { RenderOptions, renderFigure, VegaLiteSpec } from './vega-renderer';

/** Where a sweep's figures go, relative to its directory. */
export const PLOTS_DIR = 'plots';

/** The figures, by file name; each is drawn only when the sweep has its analysis. */
export const FIGURE_NAMES = [
  'token-counts',
  'token-ids',
  'token-histogram',
  'successive-cosine',
  'cosine-matrix',
  'pca',
  'pca-variance',
  'neighbors',
  'neighbors-share',
] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

/** A figure to draw: its spec is built only when its turn comes, so one figure's data is in memory at a time. */
interface PendingFigure {
  name: FigureName;
  spec: () => Promise<VegaLiteSpec>;
  options?: RenderOptions;
}

/**
 * Renders the figures of a sweep directory from its part files into `plots/<figure>.svg` and `.png`
 * (only the figures whose analyses the sweep has) and returns their paths relative to the directory.
 */
export async function renderPlots(sweepDir: string): Promise<string[]> {
  const written: string[] = [];
  for (const figure of await pendingFigures(sweepDir)) {
    const rendered = await renderFigure(await figure.spec(), figure.options);
    for (const [extension, bytes] of [
      ['svg', rendered.svg],
      ['png', rendered.png],
    ] as const) {
      const relative = `${PLOTS_DIR}/${figure.name}.${extension}`;
      await writeFileAtomically(sweepDir, relative, bytes);
      written.push(relative);
    }
  }
  return written.sort();
}

/**
 * The Vega-Lite specs of a sweep's figures, data inlined and bounded by the mark budget: what
 * renderPlots draws, for callers that draw them elsewhere (a browser) or inspect them.
 */
export async function figureSpecs(sweepDir: string): Promise<{ name: FigureName; spec: VegaLiteSpec }[]> {
  const specs: { name: FigureName; spec: VegaLiteSpec }[] = [];
  for (const figure of await pendingFigures(sweepDir))
    specs.push({ name: figure.name, spec: await figure.spec() });
  return specs;
}

async function pendingFigures(sweepDir: string): Promise<PendingFigure[]> {
  const parts = await findParts(sweepDir);
  const panels = panelsOf(parts);
  const figures: PendingFigure[] = [];
  const tokenPanels = panelsWith(parts, 'tokens', panels);
  if (tokenPanels.length > 0) {
    const scans = await scanTokens(sweepDir, parts, tokenPanels);
    figures.push({
      name: 'token-counts',
      spec: async () => tokenCountsFigure(await collectTokenCounts(sweepDir, parts, scans)),
    });
    figures.push({
      name: 'token-ids',
      spec: async () => tokenIdsFigure(await collectTokenIds(sweepDir, parts, scans)),
    });
    // The histogram compares models and formats; with one of each it would repeat the token-counts figure.
    if (tokenPanels.length > 1)
      figures.push({ name: 'token-histogram', spec: async () => tokenHistogramFigure(scans) });
  }
  const cosinePanels = panelsWith(parts, 'successive-cosine', panels);
  if (cosinePanels.length > 0) {
    // Bars a pixel or less wide would be smoothed into a faint haze: drawn crisp they stay solid.
    figures.push({
      name: 'successive-cosine',
      spec: async () => successiveCosineFigure(await collectSuccessiveCosine(sweepDir, parts, cosinePanels)),
      options: { crispEdges: true },
    });
  }
  const matrixPanels = panelsWith(parts, 'cosine-matrix', panels);
  if (matrixPanels.length > 0) {
    figures.push({
      name: 'cosine-matrix',
      spec: async () => cosineMatrixFigure(await collectCosineMatrix(sweepDir, parts, matrixPanels)),
      options: { crispEdges: true },
    });
  }
  const pcaPanels = panelsWith(parts, 'pca', panels);
  if (pcaPanels.length > 0) {
    figures.push({ name: 'pca', spec: async () => pcaFigure(await collectPca(sweepDir, parts, pcaPanels)) });
    figures.push({
      name: 'pca-variance',
      spec: async () => pcaVarianceFigure(await collectPca(sweepDir, parts, pcaPanels)),
    });
  }
  const neighborPanels = panelsWith(parts, 'neighbors', panels);
  if (neighborPanels.length > 0) {
    figures.push({
      name: 'neighbors',
      spec: async () => neighborsFigure(await collectNeighbors(sweepDir, parts, neighborPanels)),
    });
    figures.push({
      name: 'neighbors-share',
      spec: async () => neighborsShareFigure(await collectNeighbors(sweepDir, parts, neighborPanels)),
      options: { crispEdges: true },
    });
  }
  return figures;
}
