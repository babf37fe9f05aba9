import { Summary } from '@tokensweep/analysis';

/** The per model × format comparison as an aligned text table. */
export function formatSummaryTable(summary: Summary): string {
  const counts = [...new Set(summary.entries.flatMap((e) => Object.keys(e.tokens?.histogram ?? {})))].sort(
    (a, b) => Number(a) - Number(b),
  );
  // only sweeps with pca get the column, so other tables read as before
  const withPca = summary.entries.some((e) => e.pca);
  const header = [
    'model',
    'format',
    'numbers',
    ...counts.map((c) => `${c} tok`),
    '1-token share',
    'first split ≥0',
    'sign count/ids',
    'succ. cosine mean',
    ...(withPca ? ['PCA variance PC1/2/3'] : []),
  ];
  const rows = summary.entries.map((e) => [
    e.model.startsWith('/') ? e.slug : e.model,
    e.format,
    e.tokens ? String(e.tokens.numbers) : '',
    ...counts.map((c) => String(e.tokens?.histogram[c] ?? (e.tokens ? 0 : ''))),
    e.tokens ? `${(e.tokens.singleTokenShare * 100).toFixed(1)}%` : '',
    e.tokens ? String(e.tokens.firstMultiToken ?? '—') : '',
    e.signSymmetry
      ? `${e.signSymmetry.countMatches}/${e.signSymmetry.idsMatches} of ${e.signSymmetry.pairs}`
      : '',
    e.successiveCosine?.mean != null ? e.successiveCosine.mean.toFixed(4) : e.successiveCosine ? 'n/a' : '',
    ...(withPca ? [pcaVariance(e)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The first components' shares of the variance, `41.2/12.0/8.1%`; `n/a` with fewer than two numbers. */
function pcaVariance(entry: Summary['entries'][number]): string {
  if (!entry.pca) return '';
  const first = entry.pca.explainedVarianceRatio.slice(0, 3);
  return first.length === 0 ? 'n/a' : `${first.map((r) => (r * 100).toFixed(1)).join('/')}%`;
}
