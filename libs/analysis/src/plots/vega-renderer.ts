import type { Config, TopLevelSpec } from 'vega-lite' with { 'resolution-mode': 'import' };
import { dejaVuFontFiles, PLOT_FONT_FAMILY } from './plot-fonts';

/**
 * The one adapter over the chart libraries: Vega-Lite compiles a figure's spec to Vega, Vega lays it
 * out headless into SVG, resvg rasterizes the SVG into PNG. vega and vega-lite are ES modules,
 * reached from this CommonJS build with a dynamic import.
 */
export type VegaLiteSpec = TopLevelSpec;
export type VegaLiteConfig = Config;

type Vega = typeof import('vega', { with: { 'resolution-mode': 'import' } });
type VegaLite = typeof import('vega-lite', { with: { 'resolution-mode': 'import' } });
type Resvg = typeof import('@resvg/resvg-js');

interface Libraries {
  vega: Vega;
  vegaLite: VegaLite;
  resvg: Resvg;
}

let loading: Promise<Libraries> | undefined;

function libraries(): Promise<Libraries> {
  loading ??= Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')]).then(
    ([vega, vegaLite, resvg]) => ({
      vega,
      vegaLite,
      resvg,
    }),
  );
  return loading;
}

export interface RenderedFigure {
  svg: string;
  png: Uint8Array;
  /** PNG size in pixels. */
  width: number;
  height: number;
}

/** PNG pixels per SVG pixel: figures are read on high-density screens and in print. */
export const PNG_SCALE = 2;

export interface RenderOptions {
  /**
   * Draw shape edges unsmoothed. Heatmaps need it: anti-aliased edges of adjacent cells leave
   * hairline seams of background between them. Text stays smooth.
   */
  crispEdges?: boolean;
}

/** Renders a Vega-Lite spec to SVG text and a PNG at `PNG_SCALE`× the SVG's size. */
export async function renderFigure(spec: VegaLiteSpec, options: RenderOptions = {}): Promise<RenderedFigure> {
  const { vega, vegaLite, resvg } = await libraries();
  const compiled = vegaLite.compile(spec, { logger: quietLogger(vega) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Warn });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  if (options.crispEdges) svg = svg.replace(/^<svg /, '<svg shape-rendering="crispEdges" ');
  const fontFiles = dejaVuFontFiles();
  const image = new resvg.Resvg(svg, {
    fitTo: { mode: 'zoom', value: PNG_SCALE },
    background: 'white',
    font: {
      fontFiles,
      // Without DejaVu, any installed font beats figures without text.
      loadSystemFonts: fontFiles.length === 0,
      defaultFontFamily: PLOT_FONT_FAMILY,
      sansSerifFamily: PLOT_FONT_FAMILY,
    },
  }).render();
  return { svg, png: image.asPng(), width: image.width, height: image.height };
}

/** Vega-Lite warns on stderr about harmless spec details; only real errors should surface. */
function quietLogger(vega: Vega) {
  return vega.logger(vega.Error);
}
