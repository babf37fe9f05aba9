import { FIGURE_CONFIG } from './figure-style';
import type { VegaLiteSpec } from './vega-renderer';

/** A Vega-Lite fragment, built as plain JSON by the figure functions. */
export type Json = Record<string, unknown>;

export interface FigureFrame {
  title: { text: string; subtitle?: string[] };
  /** The panels in drawing order (only their labels matter here). */
  panels: { label: string }[];
  /** The rows drawn, each with a `panel` field holding its panel's label. */
  values: object[];
  /** Panels per row: 1 stacks the wide number-axis panels, as the notebook's figures; 'grid' for square ones. */
  columns: number | 'grid';
  /** Scales the panels do not share (e.g. an axis labelled with each format's own text). */
  independent?: ('x' | 'y' | 'color')[];
}

/**
 * Wraps one panel's view into a complete figure: alone when the sweep has one model and format,
 * otherwise faceted into one panel per model × format with shared scales, so panels compare at a glance.
 */
export function figureSpec(frame: FigureFrame, unit: Json): VegaLiteSpec {
  const top: Json = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: FIGURE_CONFIG,
    title: frame.title,
    data: { values: frame.values },
  };
  if (frame.panels.length <= 1) return { ...top, ...unit } as unknown as VegaLiteSpec;
  const independent = frame.independent ?? [];
  return {
    ...top,
    facet: {
      field: 'panel',
      type: 'nominal',
      sort: frame.panels.map((p) => p.label),
      header: { title: null, labelAnchor: 'start', labelPadding: 6 },
    },
    columns: frame.columns === 'grid' ? gridColumns(frame.panels.length) : frame.columns,
    spacing: 24,
    spec: unit,
    resolve: {
      scale: Object.fromEntries(independent.map((channel) => [channel, 'independent'])),
      axis: { x: 'independent' },
    },
  } as unknown as VegaLiteSpec;
}

/** Columns of a grid of square panels: at most three, and four panels as two by two. */
export function gridColumns(panels: number): number {
  return panels === 4 ? 2 : Math.max(1, Math.min(3, panels));
}
