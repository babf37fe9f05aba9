import { figureSpec, Json } from './figure-layout';
import { counted, figureTitle, PANEL } from './figure-style';
import { panelSubtitle } from './panels';
import { PcaData } from './pca.data';
import type { VegaLiteSpec } from './vega-renderer';

export const PCA_TITLE = 'Principal components of number embeddings';
export const PCA_VARIANCE_TITLE = 'Variance explained by each principal component';

/** Two decades or more between the smallest and largest |number|: a linear colour scale would crowd them into one end. */
const DECADES_FOR_LOG = 2;

/**
 * PC1 against PC2 (and PC1 against PC3 when there is a third component) for every panel, each
 * number a point coloured by its value: the line, circles or helix that number embeddings show.
 */
export function pcaFigure(data: PcaData): VegaLiteSpec {
  const panels = data.panels.map((p) => p.panel);
  const views: { label: string }[] = [];
  const values: object[] = [];
  for (const { panel, points, ratios } of data.panels) {
    const pairs: ['pc2' | 'pc3', string][] = [['pc2', 'PC2']];
    if (ratios.length >= 3) pairs.push(['pc3', 'PC3']);
    for (const [field, name] of pairs) {
      const label = `${panels.length > 1 ? `${panel.label} · ` : ''}${name} against PC1`;
      views.push({ label });
      for (const p of points) values.push({ panel: label, number: p.number, x: p.pc1, y: p[field] });
    }
  }
  const [low, high] = data.magnitudes ?? [1, 1];
  const logScale = Math.log10(high / low) >= DECADES_FOR_LOG;
  const color: Json = {
    field: 'number',
    type: 'quantitative',
    title: 'Number',
    scale: logScale ? { type: 'symlog', scheme: 'viridis' } : { scheme: 'viridis' },
    legend: { format: ',d' },
  };
  const drawn = data.panels.reduce((sum, p) => sum + p.numbers, 0);
  const facts = [panelSubtitle(panels), counted(drawn, 'number'), logScale ? 'colour on a log scale' : ''];
  return figureSpec(
    {
      title: figureTitle(PCA_TITLE, facts),
      panels: views,
      values,
      columns: 'grid',
      independent: ['x', 'y'],
    },
    {
      ...PANEL.square,
      mark: { type: 'circle', size: 18, opacity: 0.8 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: 'PC1', scale: { zero: false } },
        y: { field: 'y', type: 'quantitative', title: 'PC2 / PC3', scale: { zero: false } },
        color,
        tooltip: [
          { field: 'number', type: 'quantitative', title: 'Number', format: ',d' },
          { field: 'x', type: 'quantitative', title: 'PC1', format: '.4f' },
          { field: 'y', type: 'quantitative', title: 'PC', format: '.4f' },
        ],
      },
    },
  );
}

/** The explained-variance ratio of each component, a bar per component, one panel per model × format. */
export function pcaVarianceFigure(data: PcaData): VegaLiteSpec {
  const panels = data.panels.map((p) => p.panel);
  const values = data.panels.flatMap(({ panel, ratios }) =>
    ratios.map((ratio, j) => ({ panel: panel.label, component: `PC${j + 1}`, order: j, ratio })),
  );
  return figureSpec(
    {
      title: figureTitle(PCA_VARIANCE_TITLE, [panelSubtitle(panels)]),
      panels,
      values,
      columns: 'grid',
    },
    {
      ...PANEL.histogram,
      mark: { type: 'bar', fill: '#b3b3e6', stroke: 'black', strokeWidth: 0.5 },
      encoding: {
        x: {
          field: 'component',
          type: 'ordinal',
          title: 'Component',
          sort: { field: 'order' },
          axis: { labelAngle: 0 },
        },
        y: { field: 'ratio', type: 'quantitative', title: 'Share of variance', axis: { format: '.0%' } },
        tooltip: [
          { field: 'component', type: 'nominal', title: 'Component' },
          { field: 'ratio', type: 'quantitative', title: 'Share', format: '.2%' },
        ],
      },
    },
  );
}
