import { figureSpec } from './figure-layout';
import { counted, figureTitle, grouped, PANEL } from './figure-style';
import { ordinal } from './mark-budget';
import { NUMBER_AXIS, numberScale } from './number-axis';
import { panelSubtitle } from './panels';
import { TokenIdsData } from './token-ids.data';
import type { VegaLiteSpec } from './vega-renderer';

export const TOKEN_IDS_TITLE = 'Token ids of each number';

/** The notebook's markers for the first, second and third token (`'os^'` in `'bgr'`), then more of the same kind. */
const SHAPES = [
  'circle',
  'square',
  'triangle-up',
  'diamond',
  'triangle-down',
  'cross',
  'triangle-left',
  'triangle-right',
];
const COLOURS = ['#0000ff', '#008000', '#ff0000', '#00bfbf', '#bf00bf', '#bfbf00', '#000000', '#7f7f7f'];
/** Legend symbols opaque, as the notebook makes them, although the dots are translucent. */
const LEGEND = { symbolOpacity: 1, symbolSize: 80 };
const NAMES = ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth', 'Seventh', 'Eighth'];

/** Figure 2 of the notebook: the ids of each number's tokens, first, second, third… as different markers. */
export function tokenIdsFigure(data: TokenIdsData): VegaLiteSpec {
  const panels = data.scans.map((s) => s.panel);
  const positions = Math.max(1, data.positions);
  const names = Array.from({ length: positions }, (_, i) => NAMES[i] ?? `${ordinal(i + 1)}`);
  const cycle = <T>(list: T[]) => names.map((_, i) => list[i % list.length]);
  const total = data.scans.reduce((sum, s) => sum + s.numbers, 0);
  const note =
    data.stride > 1
      ? `sampled: every ${ordinal(data.stride)} number (${grouped(data.drawn)} of ${grouped(total)} numbers drawn)`
      : undefined;
  const values = data.rows.map((row) => ({ ...row, token: names[row.position - 1] }));
  return figureSpec(
    {
      title: figureTitle(
        TOKEN_IDS_TITLE,
        [panelSubtitle(panels), `${counted(total, 'number')}${panels.length > 1 ? ' in all' : ''}`],
        note,
      ),
      panels,
      values,
      columns: 1,
    },
    {
      ...PANEL.wideTall,
      // Markers as large as the notebook's while few; smaller when thousands overlap.
      mark: {
        type: 'point',
        filled: true,
        opacity: 0.4,
        stroke: 'black',
        strokeWidth: 0.4,
        size: values.length <= 2_000 ? 44 : 24,
      },
      encoding: {
        x: {
          field: 'number',
          type: 'quantitative',
          title: 'Number',
          scale: numberScale(data.extent),
          axis: NUMBER_AXIS,
        },
        y: { field: 'id', type: 'quantitative', title: 'Token index', axis: { format: ',d' } },
        shape: {
          field: 'token',
          type: 'nominal',
          title: 'Token',
          scale: { domain: names, range: cycle(SHAPES) },
          legend: LEGEND,
        },
        color: {
          field: 'token',
          type: 'nominal',
          title: 'Token',
          scale: { domain: names, range: cycle(COLOURS) },
          legend: LEGEND,
        },
        // The first token on top: it is the one every number has.
        order: { field: 'position', type: 'quantitative', sort: 'descending' },
        tooltip: [
          { field: 'number', type: 'quantitative', title: 'Number' },
          { field: 'token', type: 'nominal', title: 'Token' },
          { field: 'id', type: 'quantitative', title: 'Token id' },
        ],
      },
    },
  );
}
