import { figureSpec, Json } from './figure-layout';
import { counted, figureTitle, grouped, PANEL } from './figure-style';
import { NUMBER_AXIS, numberScale } from './number-axis';
import { panelSubtitle } from './panels';
import { TokenCountsData } from './token-counts.data';
import type { VegaLiteSpec } from './vega-renderer';

export const TOKEN_COUNTS_TITLE = 'Token count of each number';

/** Figure 1 of the notebook: the token count of each number, as slightly jittered open dots, one row per count. */
export function tokenCountsFigure(data: TokenCountsData): VegaLiteSpec {
  const panels = data.scans.map((s) => s.panel);
  const perPanel = data.scans.map((s) => s.numbers);
  const numbers = perPanel.every((n) => n === perPanel[0])
    ? `${counted(perPanel[0] ?? 0, 'number')}${panels.length > 1 ? ' per panel' : ''}`
    : '';
  const y: Json = {
    title: 'Token count',
    scale: {
      domain: [Math.min(...data.counts, 1) - 0.5, Math.max(...data.counts, 1) + 0.5],
      nice: false,
      zero: false,
    },
    axis: { values: data.counts, format: 'd' },
  };
  const x = { title: NUMBER_AXIS.title, scale: numberScale(data.extent), axis: NUMBER_AXIS };

  if (data.kind === 'points') {
    return figureSpec(
      {
        title: figureTitle(TOKEN_COUNTS_TITLE, [panelSubtitle(panels), numbers]),
        panels,
        values: data.rows,
        columns: 1,
      },
      {
        ...PANEL.wide,
        mark: {
          type: 'point',
          shape: 'circle',
          filled: true,
          fill: 'white',
          stroke: 'black',
          strokeWidth: 1,
          opacity: 0.5,
          size: 20,
        },
        encoding: {
          x: { field: 'number', type: 'quantitative', ...x },
          y: { field: 'y', type: 'quantitative', ...y },
          tooltip: [
            { field: 'number', type: 'quantitative', title: 'Number' },
            { field: 'count', type: 'quantitative', title: 'Token count' },
          ],
        },
      },
    );
  }
  const binned = `binned: ${grouped(data.binWidth)} numbers per column, shaded by the share of them with each count`;
  return figureSpec(
    {
      title: figureTitle(TOKEN_COUNTS_TITLE, [panelSubtitle(panels), numbers], binned),
      panels,
      values: data.rows,
      columns: 1,
    },
    {
      ...PANEL.wide,
      transform: [
        { calculate: 'datum.count - 0.3', as: 'low' },
        { calculate: 'datum.count + 0.3', as: 'high' },
      ],
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'start', type: 'quantitative', ...x },
        x2: { field: 'end' },
        y: { field: 'low', type: 'quantitative', ...y },
        y2: { field: 'high' },
        color: {
          field: 'share',
          type: 'quantitative',
          title: 'Share of numbers',
          scale: { domain: [0, 1], range: ['#f2f2f2', 'black'] },
          legend: { format: '.0%', gradientLength: 120 },
        },
      },
    },
  );
}
