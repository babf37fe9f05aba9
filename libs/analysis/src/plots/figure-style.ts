import { PLOT_FONT_FAMILY } from './plot-fonts';
import type { VegaLiteConfig } from './vega-renderer';

/**
 * The look of every figure, after the notebook's matplotlib settings: no top/right spines, no grid,
 * bold titles and axis labels, black ink on white.
 */
export const FIGURE_CONFIG: VegaLiteConfig = {
  // Named in the SVG too, so a browser without DejaVu still picks a sans-serif face.
  font: `${PLOT_FONT_FAMILY}, sans-serif`,
  background: 'white',
  padding: 12,
  view: { stroke: null },
  title: {
    fontSize: 16,
    fontWeight: 'bold',
    subtitleFontSize: 12,
    subtitleColor: '#444',
    anchor: 'middle',
    offset: 10,
  },
  axis: {
    grid: false,
    domainColor: 'black',
    tickColor: 'black',
    labelColor: 'black',
    titleColor: 'black',
    labelFontSize: 12,
    titleFontSize: 13,
    titleFontWeight: 'bold',
  },
  legend: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'bold' },
  header: { labelFontSize: 13, labelFontWeight: 'bold', labelColor: 'black' },
};

/** The sizes of one panel, in SVG pixels (the PNG is twice that). */
export const PANEL = {
  /** Number-axis figures are wide and short, as the notebook's 12×3 inch figures. */
  wide: { width: 960, height: 200 },
  wideTall: { width: 960, height: 260 },
  square: { width: 380, height: 380 },
  histogram: { width: 280, height: 220 },
};

/**
 * A title with a subtitle: the facts of what is shown on one line (model, format, how many numbers),
 * and, when the data was binned or sampled, a second line saying how, so no reader takes a summary
 * for the raw data.
 */
export function figureTitle(
  text: string,
  facts: string[],
  note?: string,
): { text: string; subtitle?: string[] } {
  const lines = [facts.filter((fact) => fact.length > 0).join(' · '), note ?? ''].filter(
    (line) => line.length > 0,
  );
  return lines.length > 0 ? { text, subtitle: lines } : { text };
}

/** `n` and a noun for subtitles: `1 number`, `2,001 numbers`. */
export function counted(n: number, noun: string): string {
  return `${grouped(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** `1234567` as `1,234,567`, for subtitles. */
export function grouped(n: number): string {
  return n.toLocaleString('en-US');
}
