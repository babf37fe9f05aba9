import { Summary, SummaryEntry } from '@tokensweep/analysis';

/** A group of columns, shown only when some entry holds what it reports. */
interface ColumnGroup {
  present: (e: SummaryEntry) => boolean;
  header: string[];
  cells: (e: SummaryEntry) => string[];
}

const fixed = (v: number | null | undefined, digits = 4) => (v == null ? 'n/a' : v.toFixed(digits));

function tokenGroup(summary: Summary): ColumnGroup {
  const counts = [...new Set(summary.entries.flatMap((e) => Object.keys(e.tokens?.histogram ?? {})))].sort(
    (a, b) => Number(a) - Number(b),
  );
  return {
    present: (e) => e.tokens !== undefined,
    header: ['numbers', ...counts.map((c) => `${c} tok`), '1-token share', 'first split ≥0'],
    cells: ({ tokens }) =>
      tokens
        ? [
            String(tokens.numbers),
            ...counts.map((c) => String(tokens.histogram[c] ?? 0)),
            `${(tokens.singleTokenShare * 100).toFixed(1)}%`,
            String(tokens.firstMultiToken ?? '—'),
          ]
        : ['', ...counts.map(() => ''), '', ''],
  };
}

const GROUPS: ColumnGroup[] = [
  {
    present: (e) => e.signSymmetry !== undefined,
    header: ['sign count/ids'],
    cells: ({ signSymmetry: s }) => [s ? `${s.countMatches}/${s.idsMatches} of ${s.pairs}` : ''],
  },
  {
    present: (e) => e.successiveCosine !== undefined,
    header: ['succ. cosine mean'],
    cells: ({ successiveCosine: s }) => [s ? fixed(s.mean) : ''],
  },
  {
    present: (e) => e.cosineMatrix !== undefined,
    header: ['matrix numbers', 'off-diag. mean', 'min', 'max'],
    cells: ({ cosineMatrix: m }) =>
      m ? [String(m.numbers), fixed(m.mean), fixed(m.min), fixed(m.max)] : ['', '', '', ''],
  },
  {
    present: (e) => e.fourier !== undefined,
    header: ['fourier run', 'top period', 'share'],
    cells: ({ fourier: f }) => {
      if (!f) return ['', '', ''];
      const top = f.topPeriods[0];
      return [
        String(f.runLength),
        top ? top.period.toFixed(2) : 'n/a',
        top ? fixed(top.normalizedPower) : 'n/a',
      ];
    },
  },
  {
    present: (e) => e.pca !== undefined,
    header: ['PCA variance PC1/2/3'],
    // the first components' shares of the variance, `41.2/12.0/8.1%`; n/a with fewer than two numbers
    cells: ({ pca }) => {
      if (!pca) return [''];
      const first = pca.explainedVarianceRatio.slice(0, 3);
      return [first.length === 0 ? 'n/a' : `${first.map((r) => (r * 100).toFixed(1)).join('/')}%`];
    },
  },
];

/**
 * The per model × format comparison as an aligned text table, with the columns of the analyses
 * the sweep computed (a sweep of only `cosine-matrix` shows the matrix, not empty token columns).
 */
export function formatSummaryTable(summary: Summary): string {
  const groups = [tokenGroup(summary), ...GROUPS].filter((g) => summary.entries.some(g.present));
  const header = ['model', 'format', ...groups.flatMap((g) => g.header)];
  const rows = summary.entries.map((e) => [
    e.model.startsWith('/') ? e.slug : e.model,
    e.format,
    ...groups.flatMap((g) => g.cells(e)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
