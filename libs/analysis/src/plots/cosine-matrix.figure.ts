import { CosineMatrixData } from './cosine-matrix.data';
import { figureSpec, Json } from './figure-layout';
import { counted, figureTitle, grouped, PANEL } from './figure-style';
import { panelSubtitle } from './panels';
import type { VegaLiteSpec } from './vega-renderer';

export const COSINE_MATRIX_TITLE = 'Cosine similarity in number pairs';

/** Labelled ticks per matrix axis, at most: more would overlap. */
const MAX_TICKS = 12;

/**
 * Figure 4 of the notebook: the all-to-all cosine matrix as a heatmap, magma from 0.2 to 0.9
 * (`vmin=.2, vmax=.9, cmap='magma'`) with a colour bar, the first number at the top left as `imshow` draws it.
 */
export function cosineMatrixFigure(data: CosineMatrixData): VegaLiteSpec {
  const panels = data.panels.map((p) => p.panel);
  const counts = data.panels.map((p) => p.numbers);
  const numbers = counts.every((n) => n === counts[0])
    ? `${counted(counts[0] ?? 0, 'number')} with an embedding${panels.length > 1 ? ' per panel' : ''}`
    : '';
  const color: Json = {
    field: 'cosine',
    type: 'quantitative',
    title: 'Cosine',
    scale: { scheme: 'magma', domain: [0.2, 0.9], clamp: true },
    legend: { gradientLength: PANEL.square.height - 40, tickCount: 8 },
  };
  const tooltip = [{ field: 'cosine', type: 'quantitative', title: 'Cosine', format: '.4f' }];

  if (data.kind === 'cells') {
    const every = Math.max(1, Math.ceil(data.numbers.length / MAX_TICKS));
    const ticks = data.numbers.filter((_, i) => i % every === 0);
    // No domain line: the cells meet the ticks directly, as in `imshow`, with no seam between.
    const axis = {
      type: 'ordinal',
      sort: 'ascending',
      title: 'Number',
      axis: { values: ticks, labelAngle: 0, domain: false },
    };
    return figureSpec(
      {
        title: figureTitle(COSINE_MATRIX_TITLE, [panelSubtitle(panels), numbers]),
        panels,
        values: data.rows,
        columns: 'grid',
      },
      {
        ...PANEL.square,
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'col', ...axis },
          y: { field: 'row', ...axis },
          color,
          tooltip: [
            { field: 'row', type: 'ordinal', title: 'Row' },
            { field: 'col', type: 'ordinal', title: 'Column' },
            ...tooltip,
          ],
        },
      },
    );
  }

  const note = `binned: mean cosine over blocks of ${grouped(data.binWidth)} × ${grouped(data.binWidth)} numbers`;
  const scale = { domain: data.extent, nice: false, zero: false };
  const axis = { format: ',d', labelFlush: true, domain: false };
  return figureSpec(
    {
      title: figureTitle(COSINE_MATRIX_TITLE, [panelSubtitle(panels), numbers], note),
      panels,
      values: data.rows,
      columns: 'grid',
    },
    {
      ...PANEL.square,
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'colStart', type: 'quantitative', title: 'Number', scale, axis },
        x2: { field: 'colEnd' },
        y: {
          field: 'rowStart',
          type: 'quantitative',
          title: 'Number',
          scale: { ...scale, reverse: true },
          axis,
        },
        y2: { field: 'rowEnd' },
        color,
        tooltip,
      },
    },
  );
}
