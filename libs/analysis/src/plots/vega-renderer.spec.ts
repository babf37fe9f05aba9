import { describe, expect, it } from 'vitest';
import { decodePng, inkIn, pngSize, svgSize } from '../../../../test/helpers/png';
import { FIGURE_CONFIG } from './figure-style';
import { dejaVuFontFiles } from './plot-fonts';
import { PNG_SCALE, renderFigure, VegaLiteSpec } from './vega-renderer';

/** A small chart whose title sits alone in a known band at the top. */
function chart(title: string, titleColor = 'black'): VegaLiteSpec {
  return {
    config: { ...FIGURE_CONFIG, padding: 10 },
    title: { text: title, fontSize: 20, color: titleColor },
    width: 300,
    height: 100,
    data: {
      values: [
        { x: 1, y: 1 },
        { x: 2, y: 3 },
      ],
    },
    mark: 'point',
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'Number' },
      y: { field: 'y', type: 'quantitative', title: 'Token count' },
    },
  } as VegaLiteSpec;
}

describe(renderFigure.name, () => {
  it('has DejaVu Sans to draw text with (install fonts-dejavu-core)', () => {
    expect(dejaVuFontFiles()).toHaveLength(2);
  });

  it('renders a spec to SVG and to a PNG of twice its size', async () => {
    const { svg, png, width, height } = await renderFigure(chart('Title'));
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('>Number</text>');
    expect(svg).toContain('>Token count</text>');
    const size = svgSize(svg);
    expect(size.width).toBeGreaterThan(300);
    expect(pngSize(png)).toEqual({ width: size.width * PNG_SCALE, height: size.height * PNG_SCALE });
    expect({ width, height }).toEqual(pngSize(png));
  });

  it('draws the title text into the PNG (ink in the title band, none when the same title is white)', async () => {
    const titled = decodePng((await renderFigure(chart('Cosine similarity in number pairs'))).png);
    const untitled = decodePng((await renderFigure(chart('Cosine similarity in number pairs', 'white'))).png);
    // The title's 20px glyphs lie within SVG y 10..34, i.e. PNG rows 20..68.
    const band = (png: typeof titled) => inkIn(png, 0, 20, png.width, 60);
    expect(band(titled)).toBeGreaterThan(1_000);
    expect(band(untitled)).toBe(0);
  });

  it('closes the seams between heatmap cells when asked for crisp edges', async () => {
    const { svg } = await renderFigure(chart('x'), { crispEdges: true });
    expect(svg).toMatch(/^<svg shape-rendering="crispEdges" /);
  });
});
