import { figureSpec } from './figure-layout';
import { figureTitle, PANEL } from './figure-style';
import { TokenScan, tokenCountsSeen } from './token-scan';
import type { VegaLiteSpec } from './vega-renderer';

export const TOKEN_HISTOGRAM_TITLE = 'How many tokens a number takes';

/** Matplotlib's first colours, for the formats side by side. */
const FORMAT_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c'];

/**
 * The comparison a multi-model sweep is run for: per model, how many numbers take 1, 2, 3… tokens,
 * the formats side by side, every panel on the same scales.
 */
export function tokenHistogramFigure(scans: TokenScan[]): VegaLiteSpec {
  const models = [...new Set(scans.map((s) => s.panel.model))];
  const formats = [...new Set(scans.map((s) => s.panel.format))];
  const counts = tokenCountsSeen(scans);
  const values = scans.flatMap((scan) =>
    [...scan.histogram.entries()].map(([count, numbers]) => ({
      panel: scan.panel.model,
      format: scan.panel.format,
      count,
      numbers,
      share: numbers / scan.numbers,
    })),
  );
  const several = formats.length > 1;
  return figureSpec(
    {
      title: figureTitle(TOKEN_HISTOGRAM_TITLE, [
        models.length === 1 ? models[0] : `${models.length} models`,
        several ? '' : `format ${formats[0]}`,
      ]),
      panels: models.map((label) => ({ label })),
      values,
      columns: 'grid',
    },
    {
      ...PANEL.histogram,
      mark: { type: 'bar', stroke: 'black', strokeWidth: 0.5 },
      encoding: {
        x: {
          field: 'count',
          type: 'ordinal',
          title: 'Token count',
          scale: { domain: counts },
          axis: { labelAngle: 0 },
        },
        y: { field: 'numbers', type: 'quantitative', title: 'Numbers', axis: { format: ',d' } },
        ...(several ? { xOffset: { field: 'format', type: 'nominal', sort: formats } } : {}),
        color: several
          ? {
              field: 'format',
              type: 'nominal',
              title: 'Format',
              sort: formats,
              scale: { domain: formats, range: FORMAT_COLOURS },
            }
          : { value: '#b3b3e6' },
        tooltip: [
          { field: 'format', type: 'nominal', title: 'Format' },
          { field: 'count', type: 'ordinal', title: 'Token count' },
          { field: 'numbers', type: 'quantitative', title: 'Numbers', format: ',d' },
          { field: 'share', type: 'quantitative', title: 'Share', format: '.1%' },
        ],
      },
    },
  );
}
