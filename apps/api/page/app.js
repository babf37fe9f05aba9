// The results page: lists sweeps with live status, submits new ones, shows a finished sweep's
// figures, summary and downloads. Plain DOM, no build step; every text goes in through textContent.

import { compareTable, el, progressText, renderCharts, snippetBlocks } from './explore.js';

const $ = (selector) => document.querySelector(selector);
const FIELDS = ['models', 'numbers', 'formats', 'analyses', 'pooling', 'plots', 'priority'];
let selected = null;

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: 'same-origin', ...options });
  if (response.status === 401) {
    showLogin();
    throw new Error('unauthorized');
  }
  return response;
}

function showLogin() {
  $('#login').hidden = false;
  $('#app').hidden = true;
}

function showApp() {
  $('#login').hidden = true;
  $('#app').hidden = false;
}

$('#login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const response = await fetch('/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: $('#api-key').value }),
  });
  if (response.ok) {
    $('#login-error').textContent = '';
    showApp();
    refresh();
  } else {
    $('#login-error').textContent = 'That key is not right.';
  }
});

function formBody(form) {
  const data = new FormData(form);
  return {
    models: String(data.get('models'))
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean),
    numbers: String(data.get('numbers')),
    formats: data.getAll('formats').map(String),
    analyses: data.getAll('analyses').map(String),
    pooling: String(data.get('pooling')),
    plots: data.get('plots') !== null,
    priority: String(data.get('priority') ?? 'normal'),
  };
}

/** "1.5 chunks/s, ETA 18 s" once the rate is known; "–" before. */
function rateText(progress) {
  if (progress.chunksPerSecond === null) return '–';
  const eta = progress.etaSeconds ? `, ETA ${progress.etaSeconds} s` : '';
  return `${progress.chunksPerSecond} chunks/s${eta}`;
}

function clearErrors() {
  for (const field of document.querySelectorAll('.field')) {
    field.classList.remove('invalid');
    field.querySelector('.error').textContent = '';
  }
  $('#form-error').textContent = '';
}

/** An expression as written; a list by its size and ends (it may hold millions). */
function describeNumbers(numbers) {
  if (!Array.isArray(numbers)) return numbers;
  return `list of ${numbers.length}: ${numbers[0]} … ${numbers[numbers.length - 1]}`;
}

/** Puts each line of a 400 answer next to the field it names ("numbers: …"). */
function showErrors(messages) {
  for (const line of messages) {
    const name = FIELDS.find((f) => line.startsWith(`${f}:`));
    const field = name && document.querySelector(`.field[data-field="${name}"]`);
    if (field) {
      field.classList.add('invalid');
      const error = field.querySelector('.error');
      error.textContent =
        (error.textContent ? error.textContent + '\n' : '') + line.slice(name.length + 1).trim();
    } else {
      $('#form-error').textContent += (($('#form-error').textContent && '\n') || '') + line;
    }
  }
}

$('#sweep-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors();
  const response = await api('/sweeps', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(formBody(event.target)),
  });
  const body = await response.json();
  if (response.status === 202) {
    selected = body.id;
    await refresh();
  } else {
    showErrors(Array.isArray(body.message) ? body.message : [String(body.message)]);
  }
});

async function refresh() {
  let page;
  try {
    page = await (await api('/sweeps?limit=50')).json();
  } catch {
    return;
  }
  showApp();
  const rows = page.items.map((s) =>
    el('tr', { onclick: () => select(s.id), dataset: { id: s.id, status: s.status } }, [
      el('td', { textContent: s.id }),
      el('td', { textContent: s.status, className: `status-${s.status}` }),
      el('td', {}, [
        el('progress', { max: s.progress.total || 1, value: s.progress.done ?? 0 }),
        ` ${s.progress.done ?? '?'}/${s.progress.total}`,
      ]),
      el('td', { textContent: rateText(s.progress) }),
      el('td', { textContent: s.spec.models.join(', ') }),
      el('td', { textContent: describeNumbers(s.spec.numbers) }),
      el('td', { textContent: new Date(s.createdAt).toLocaleString() }),
    ]),
  );
  $('#sweep-rows').replaceChildren(...rows);
  if (selected) await showDetail(selected);
}

async function select(id) {
  selected = id;
  await showDetail(id);
}

let shownComplete = null;

async function showDetail(id) {
  const sweep = await (await api(`/sweeps/${id}`)).json();
  $('#detail').hidden = false;
  $('#detail-id').textContent = id;
  const error = sweep.error ? ` — ${sweep.error}` : '';
  $('#detail-status').textContent = `${sweep.status}: ${progressText(sweep)}${error}`;
  $('#detail-status').className = `status-${sweep.status}`;
  $('#cancel-sweep').hidden = !['queued', 'running'].includes(sweep.status);
  $('#retry-sweep').hidden = !['failed', 'cancelled'].includes(sweep.status);
  if (!['completed', 'failed', 'cancelled'].includes(sweep.status)) {
    shownComplete = null;
    for (const part of ['summary', 'compare', 'charts', 'figures', 'downloads', 'snippets'])
      $(`#detail-${part}`).replaceChildren();
    return;
  }
  if (shownComplete === id) return; // a finished sweep does not change; keep the images as loaded
  const response = await api(`/sweeps/${id}/manifest`);
  if (!response.ok) return;
  shownComplete = id;
  const manifest = await response.json();
  $('#detail-summary').replaceChildren(summaryTable(manifest.summary));
  $('#detail-compare').replaceChildren(compareTable(manifest.summary));
  $('#detail-snippets').replaceChildren(...snippetBlocks(id, manifest));
  if (sweep.status === 'completed')
    renderCharts(id, $('#detail-charts'), async (path) => (await api(path)).json()).catch((error) => {
      $('#detail-charts').replaceChildren(el('p', { className: 'error', textContent: String(error) }));
    });
  $('#detail-figures').replaceChildren(
    ...manifest.plots
      .filter((p) => p.endsWith('.png'))
      .map((p) =>
        el('figure', {}, [
          el('img', { src: `/sweeps/${id}/files/${p}`, alt: p, loading: 'lazy' }),
          el('figcaption', { textContent: p }),
        ]),
      ),
  );
  const analyses = [...new Set(manifest.files.map((f) => f.analysis))];
  $('#detail-downloads').replaceChildren(
    ...analyses.map((a) =>
      el('li', {}, [
        el('a', {
          href: `/sweeps/${id}/data/${a}`,
          textContent: `${a} (Arrow stream)`,
          download: `${a}.arrow`,
        }),
      ]),
    ),
    ...manifest.files.map((f) =>
      el('li', {}, [
        el('a', {
          href: `/sweeps/${id}/files/${f.path}`,
          textContent: `${f.path} (${f.rows} rows)`,
          download: '',
        }),
      ]),
    ),
    el('li', {}, [el('a', { href: `/sweeps/${id}/manifest`, textContent: 'manifest.json' })]),
  );
}

function summaryTable(summary) {
  const head = [
    'model',
    'format',
    'numbers',
    'single-token share',
    'first split ≥ 0',
    'sign ids matches',
    'successive cosine mean',
  ];
  const rows = summary.entries.map((e) => [
    e.model,
    e.format,
    e.tokens?.numbers ?? '',
    e.tokens ? `${(e.tokens.singleTokenShare * 100).toFixed(1)}%` : '',
    e.tokens?.firstMultiToken ?? '',
    e.signSymmetry ? `${e.signSymmetry.idsMatches}/${e.signSymmetry.pairs}` : '',
    e.successiveCosine?.mean != null ? e.successiveCosine.mean.toFixed(4) : '',
  ]);
  return el('table', { className: 'summary' }, [
    el('thead', {}, [
      el(
        'tr',
        {},
        head.map((h) => el('th', { textContent: h })),
      ),
    ]),
    el(
      'tbody',
      {},
      rows.map((r) =>
        el(
          'tr',
          {},
          r.map((c) => el('td', { textContent: String(c) })),
        ),
      ),
    ),
  ]);
}

/** Cancel or retry the selected sweep; the answer's message (a 409's reason) shows beside the buttons. */
async function act(method, suffix) {
  if (!selected) return;
  const response = await api(`/sweeps/${selected}${suffix}`, { method });
  const body = await response.json().catch(() => ({}));
  $('#action-error').textContent = response.ok ? '' : String(body.message ?? response.status);
  await refresh();
}

$('#cancel-sweep').addEventListener('click', () => act('DELETE', ''));
$('#retry-sweep').addEventListener('click', () => act('POST', '/retry'));

refresh();
setInterval(refresh, 2000);
