import path from 'node:path';
import { PartRecord } from '../output/part-record';
import { Analysis, NUMBER_FORMATS, NumberFormat } from '../spec/vocabulary';

/** One model × format of a sweep: a panel of every figure that compares them. */
export interface Panel {
  slug: string;
  /** The model as a reader knows it: its Hub id, or a local directory's base name. */
  model: string;
  format: NumberFormat;
  /** What the panel's header (or a single figure's subtitle) says. */
  label: string;
}

/**
 * The panels of a sweep, ordered by model then format. Labels name only what varies, so a one-model
 * sweep's panels are called by their format and a one-format sweep's by their model.
 */
export function panelsOf(parts: PartRecord[]): Panel[] {
  const found = new Map<string, { slug: string; model: string; format: NumberFormat }>();
  for (const part of parts) {
    const id = part.provenance.id || part.slug;
    const model = path.isAbsolute(id) ? part.slug : id;
    found.set(`${part.slug}\u0000${part.format}`, { slug: part.slug, model, format: part.format });
  }
  const panels = [...found.values()].sort((a, b) =>
    a.slug !== b.slug
      ? a.slug < b.slug
        ? -1
        : 1
      : NUMBER_FORMATS.indexOf(a.format) - NUMBER_FORMATS.indexOf(b.format),
  );
  const models = new Set(panels.map((p) => p.slug)).size;
  const formats = new Set(panels.map((p) => p.format)).size;
  return panels.map((p) => ({
    ...p,
    label:
      models > 1 && formats > 1 ? `${p.model} · ${p.format}` : formats > 1 ? `format ${p.format}` : p.model,
  }));
}

/** The part files of one analysis in one panel, in part order. */
export function panelParts(parts: PartRecord[], analysis: Analysis, panel: Panel): PartRecord[] {
  return parts.filter((p) => p.analysis === analysis && p.slug === panel.slug && p.format === panel.format);
}

/** The panels that have parts of `analysis`. */
export function panelsWith(parts: PartRecord[], analysis: Analysis, panels: Panel[]): Panel[] {
  return panels.filter((panel) => panelParts(parts, analysis, panel).length > 0);
}

/** The subtitle line naming what a single-panel figure shows (a faceted one says it in its headers). */
export function panelSubtitle(panels: Panel[]): string {
  return panels.length === 1 ? `${panels[0].model} · format ${panels[0].format}` : '';
}
