import { figureSpec, Json } from './figure-layout';
import { counted, figureTitle, grouped, PANEL } from './figure-style';
import { NUMBER_AXIS, numberScale } from './number-axis';
import { panelSubtitle } from './panels';
import { SuccessiveCosineData } from './successive-cosine.data';
import type { VegaLiteSpec } from './vega-renderer';

export const SUCCESSIVE_COSINE_TITLE = 'Cosine similarities of sequential token embeddings';

/** The notebook's bar colour, `facecolor=[.7,.7,.9]`, edged in black. */
const BAR_FILL = '#b3b3e6';

/**
 * Figure 3 of the notebook: the cosine similarity of each number's embedding with the previous
 * number's, as bars; labelled with the numbers' text when they are few, over a number axis when
 * many, and as per-bin mean and range for large sweeps.
 */
export function successiveCosineFigure(data: SuccessiveCosineData): VegaLiteSpec {
  const panels = data.panels.map((p) => p.panel);
  const pairs = data.panels.reduce((sum, p) => sum + p.pairs, 0);
  const withCosine = data.panels.reduce((sum, p) => sum + p.withCosine, 0);
  const facts = [
    panelSubtitle(panels),
    `${grouped(withCosine)} of ${counted(pairs, 'successive pair')} with a cosine`,
  ];
  // As the notebook's ylim: 0.05 beyond the extreme values; bars rise from 0 when 0 is in view.
  const [low, high] = data.range ?? [0, 1];
  const domain = [low - 0.05, high + 0.05];
  const baseline = domain[0] <= 0 && domain[1] >= 0 ? { y2: { datum: 0 } } : {};
  const y: Json = {
    type: 'quantitative',
    title: 'Cosine similarity',
    scale: { domain, nice: false, zero: false },
  };
  const tooltip = [
    { field: 'number', type: 'quantitative', title: 'Number' },
    { field: 'cosine', type: 'quantitative', title: 'Cosine', format: '.4f' },
  ];

  if (data.kind === 'labelled') {
    return figureSpec(
      {
        title: figureTitle(SUCCESSIVE_COSINE_TITLE, facts),
        panels,
        values: data.rows,
        columns: 1,
        // Each format writes the numbers differently, so each panel keeps its own tick labels.
        independent: ['x'],
      },
      {
        width: {
          step: Math.max(
            24,
            Math.min(80, Math.floor(PANEL.wideTall.width / Math.max(1, data.rows.length / panels.length))),
          ),
        },
        height: PANEL.wideTall.height,
        mark: { type: 'bar', fill: BAR_FILL, stroke: 'black', strokeWidth: 1, width: { band: 0.8 } },
        encoding: {
          x: {
            field: 'label',
            type: 'ordinal',
            title: 'Number',
            sort: { field: 'number', op: 'min' },
            axis: { labelAngle: 0 },
          },
          y: { field: 'cosine', ...y },
          ...baseline,
          tooltip,
        },
      },
    );
  }

  const x = { type: 'quantitative', title: 'Number', scale: numberScale(data.extent), axis: NUMBER_AXIS };
  if (data.kind === 'bars') {
    const thin = data.rows.length / panels.length > PANEL.wideTall.width / 4;
    return figureSpec(
      { title: figureTitle(SUCCESSIVE_COSINE_TITLE, facts), panels, values: data.rows, columns: 1 },
      {
        ...PANEL.wideTall,
        transform: [
          { calculate: `datum.number - ${data.halfWidth}`, as: 'left' },
          { calculate: `datum.number + ${data.halfWidth}`, as: 'right' },
        ],
        // Bars narrower than a few pixels would be all edge, so only wide bars get the notebook's black edge.
        mark: {
          type: 'rect',
          fill: thin ? '#4d4dad' : BAR_FILL,
          ...(thin ? {} : { stroke: 'black', strokeWidth: 0.5 }),
        },
        encoding: {
          x: { field: 'left', ...x },
          x2: { field: 'right' },
          y: { field: 'cosine', ...y },
          ...baseline,
          tooltip,
        },
      },
    );
  }

  const note = `binned: ${grouped(data.binWidth)} numbers per bin; line: mean cosine, band: lowest to highest`;
  return figureSpec(
    { title: figureTitle(SUCCESSIVE_COSINE_TITLE, facts, note), panels, values: data.rows, columns: 1 },
    {
      ...PANEL.wideTall,
      transform: [{ calculate: '(datum.start + datum.end) / 2', as: 'middle' }],
      layer: [
        {
          mark: { type: 'rect', fill: BAR_FILL, opacity: 0.7 },
          encoding: {
            x: { field: 'start', ...x },
            x2: { field: 'end' },
            y: { field: 'min', ...y },
            y2: { field: 'max' },
          },
        },
        {
          mark: { type: 'line', color: 'black', strokeWidth: 1 },
          encoding: { x: { field: 'middle', ...x }, y: { field: 'mean', ...y } },
        },
      ],
    },
  );
}
