// Exploring a sweep on the results page: its figures drawn live by Vega (the same Vega-Lite specs
// as the PNGs, with tooltips and zoom along the number axis), the models and formats side by side,
// snippets that load it elsewhere, and its progress. Vega, Vega-Lite and vega-embed are the
// browser builds the API serves from node_modules (window.vega, window.vegaLite, window.vegaEmbed).

export function el(tag, { dataset = {}, ...properties } = {}, children = []) {
  const node = Object.assign(document.createElement(tag), properties);
  Object.assign(node.dataset, dataset); // dataset itself cannot be replaced, only filled
  for (const child of children) node.append(child);
  return node;
}

/** "12/40 chunks · 3 running, 25 queued · 1.5 chunks/s · about 17 s left", from what the API gives. */
export function progressText(sweep) {
  const p = sweep.progress;
  const parts = [`${p.done}/${p.total} chunks`];
  if (p.running !== undefined || p.queued !== undefined)
    parts.push(`${p.running ?? 0} running, ${p.queued ?? 0} queued`);
  if (typeof p.chunksPerSecond === 'number' && p.chunksPerSecond > 0)
    parts.push(`${p.chunksPerSecond.toFixed(p.chunksPerSecond < 10 ? 2 : 0)} chunks/s`);
  if (typeof p.etaSeconds === 'number' && !['completed', 'failed', 'cancelled'].includes(sweep.status))
    parts.push(`about ${duration(p.etaSeconds)} left`);
  return parts.join(' · ');
}

function duration(seconds) {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Adds zoom and pan along x to every single-view unit whose x axis is quantitative (one per layer). */
function withZoom(spec) {
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    if (Array.isArray(node.layer)) {
      const first = node.layer.find((l) => l.encoding?.x?.type === 'quantitative');
      if (first && !first.params) first.params = [zoomParam()];
      return node.layer.forEach((l) => l !== first && visit(l));
    }
    if (node.mark && node.encoding?.x?.type === 'quantitative' && !node.params) node.params = [zoomParam()];
    for (const key of ['spec', 'facet', 'concat', 'vconcat', 'hconcat']) visit(node[key]);
  };
  const copy = structuredClone(spec);
  visit(copy);
  return copy;
}

let zoomCount = 0;
function zoomParam() {
  return { name: `zoom${zoomCount++}`, select: { type: 'interval', encodings: ['x'] }, bind: 'scales' };
}

/** Draws each figure of a finished sweep into `container`; returns the Vega views by figure name. */
export async function renderCharts(id, container, fetchJson) {
  const { figures } = await fetchJson(`/sweeps/${id}/figures`);
  const views = {};
  container.replaceChildren();
  for (const { name, spec } of figures) {
    const target = el('div', { className: 'chart' });
    container.append(
      el('figure', { className: 'interactive', dataset: { figure: name } }, [
        target,
        el('figcaption', { textContent: `${name} — hover for values; drag or scroll to zoom along numbers` }),
      ]),
    );
    const result = await window.vegaEmbed(target, withZoom(spec), {
      renderer: 'svg',
      actions: { export: true, source: false, compiled: false, editor: false },
      tooltip: { theme: 'light' },
    });
    views[name] = result.view;
  }
  window.tokensweepViews = views; // for scripts and tests that read the drawn data
  return views;
}

/** The summary pivoted: one row per figure of merit, one column per model × format, side by side. */
export function compareTable(summary) {
  const columns = summary.entries;
  const percent = (v) => `${(v * 100).toFixed(1)}%`;
  const fixed = (v) => (v == null ? 'n/a' : v.toFixed(4));
  const rows = [
    ['numbers', (e) => e.tokens?.numbers ?? e.cosineMatrix?.numbers],
    ['single-token share', (e) => e.tokens && percent(e.tokens.singleTokenShare)],
    ['first split ≥ 0', (e) => e.tokens && (e.tokens.firstMultiToken ?? '—')],
    [
      'sign count / ids matches',
      (e) =>
        e.signSymmetry &&
        `${e.signSymmetry.countMatches} / ${e.signSymmetry.idsMatches} of ${e.signSymmetry.pairs}`,
    ],
    ['successive cosine mean', (e) => e.successiveCosine && fixed(e.successiveCosine.mean)],
    [
      'successive cosine min / max',
      (e) => e.successiveCosine && `${fixed(e.successiveCosine.min)} / ${fixed(e.successiveCosine.max)}`,
    ],
    ['matrix off-diagonal mean', (e) => e.cosineMatrix && fixed(e.cosineMatrix.mean)],
    ['fourier top period', (e) => e.fourier?.topPeriods[0]?.period.toFixed(2)],
  ].filter(([, cell]) => columns.some((e) => cell(e) != null));
  return el('table', { className: 'compare' }, [
    el('thead', {}, [
      el('tr', {}, [el('th'), ...columns.map((e) => el('th', { textContent: `${e.slug} · ${e.format}` }))]),
    ]),
    el(
      'tbody',
      {},
      rows.map(([label, cell]) =>
        el('tr', {}, [
          el('th', { textContent: label }),
          ...columns.map((e) => el('td', { textContent: String(cell(e) ?? '') })),
        ]),
      ),
    ),
  ]);
}

/** Code that loads this sweep's analyses elsewhere, over HTTP from this API. */
export function snippets(id, manifest) {
  const base = window.location.origin;
  const analysis =
    manifest.files.find((f) => f.analysis === 'tokens')?.analysis ?? manifest.files[0]?.analysis ?? 'tokens';
  const urls = manifest.files
    .filter((f) => f.analysis === analysis)
    .map((f) => `${base}/sweeps/${id}/files/${f.path}`);
  const list = (quote) => urls.map((u) => `${quote}${u}${quote}`).join(', ');
  const arrow = `${base}/sweeps/${id}/data/${analysis}`;
  return {
    duckdb: `SELECT * FROM read_parquet([${list("'")}]);`,
    pandas: `import pandas as pd\ndf = pd.concat([pd.read_parquet(u) for u in [${list("'")}]])`,
    polars: `import polars as pl\nimport pyarrow as pa, urllib.request\nwith urllib.request.urlopen('${arrow}') as r:\n    df = pl.from_arrow(pa.ipc.open_stream(r.read()).read_all())`,
  };
}

/** The snippets as blocks with a copy button each. */
export function snippetBlocks(id, manifest) {
  return Object.entries(snippets(id, manifest)).map(([tool, code]) => {
    const pre = el('pre', { textContent: code, dataset: { tool } });
    const button = el('button', { type: 'button', textContent: `copy ${tool}` });
    button.addEventListener('click', async () => {
      await navigator.clipboard?.writeText(code).catch(() => undefined);
      button.textContent = 'copied';
    });
    return el('div', { className: 'snippet' }, [el('h4', { textContent: tool }), pre, button]);
  });
}
