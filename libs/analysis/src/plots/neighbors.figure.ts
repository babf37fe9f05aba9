import { figureSpec } from './figure-layout';
import { figureTitle, PANEL } from './figure-style';
import { NeighborsData } from './neighbors.data';
import { NUMBER_AXIS } from './number-axis';
import { panelSubtitle } from './panels';
import type { VegaLiteSpec } from './vega-renderer';

export const NEIGHBORS_TITLE = 'Nearest tokens of number embeddings';
export const NEIGHBORS_SHARE_TITLE = 'How often the nearest token is itself a number';

/** A token as the table shows it: quoted so spaces show, or its id where the tokenizer has none. */
function shown(token: string | null, id: number): string {
  return token === null ? `(id ${id})` : JSON.stringify(token);
}

/** A table of the nearest tokens (rank across, number down) of a few numbers, one panel per model × format. */
export function neighborsFigure(data: NeighborsData): VegaLiteSpec {
  const panels = data.panels.map((p) => p.panel);
  const values = data.panels.flatMap(({ panel, table }) =>
    table.map((row) => ({
      panel: panel.label,
      number: row.number,
      rank: row.rank,
      text: `${shown(row.token, row.tokenId)} ${row.cosine.toFixed(3)}`,
      cosine: row.cosine,
    })),
  );
  // fixed sizes rather than steps: Vega-Lite cannot facet a layered view sized by steps
  const rowsPerPanel = Math.max(1, ...data.panels.map((p) => new Set(p.table.map((r) => r.number)).size));
  const ranks = Math.max(1, ...data.panels.flatMap((p) => p.table.map((r) => r.rank)));
  return figureSpec(
    {
      title: figureTitle(NEIGHBORS_TITLE, [panelSubtitle(panels), 'token and cosine, best first']),
      panels,
      values,
      columns: 1,
      independent: ['y'],
    },
    {
      width: 200 * ranks,
      height: 26 * rowsPerPanel,
      layer: [
        {
          mark: { type: 'rect', stroke: 'white' },
          encoding: {
            color: {
              field: 'cosine',
              type: 'quantitative',
              title: 'Cosine',
              scale: { domain: [0, 1], range: ['#f7fbff', '#9ecae1'] }, // light enough for black text
            },
          },
        },
        {
          mark: { type: 'text', fontSize: 12, color: 'black', limit: 194 },
          encoding: { text: { field: 'text' } },
        },
      ],
      encoding: {
        x: { field: 'rank', type: 'ordinal', title: 'Rank', axis: { orient: 'top', labelAngle: 0 } },
        y: { field: 'number', type: 'ordinal', title: 'Number', sort: 'ascending' },
      },
    },
  );
}

/** Along the sweep, the share of numbers whose nearest row's token is a numeral, in bins of numbers. */
export function neighborsShareFigure(data: NeighborsData): VegaLiteSpec {
  const panels = data.panels.map((p) => p.panel);
  const values = data.panels.flatMap(({ panel, bins }) => bins.map((b) => ({ panel: panel.label, ...b })));
  const facts = data.panels.map(
    (p) =>
      `${panels.length > 1 ? `${p.panel.label}: ` : ''}${((100 * p.numeralNearest) / Math.max(1, p.numbers)).toFixed(1)}% overall`,
  );
  return figureSpec(
    {
      title: figureTitle(NEIGHBORS_SHARE_TITLE, [panelSubtitle(panels), ...facts]),
      panels,
      values,
      columns: 1,
    },
    {
      ...PANEL.wide,
      mark: { type: 'rect', fill: '#4d4dad' },
      encoding: {
        x: { field: 'start', type: 'quantitative', ...NUMBER_AXIS, scale: { zero: false, nice: false } },
        x2: { field: 'end' },
        y: {
          field: 'share',
          type: 'quantitative',
          title: 'Nearest is a number',
          scale: { domain: [0, 1] },
          axis: { format: '.0%' },
        },
        y2: { datum: 0 },
        tooltip: [
          { field: 'start', type: 'quantitative', title: 'From', format: ',d' },
          { field: 'numbers', type: 'quantitative', title: 'Numbers', format: ',d' },
          { field: 'share', type: 'quantitative', title: 'Share', format: '.1%' },
        ],
      },
    },
  );
}
