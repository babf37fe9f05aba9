import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, chromium, Page } from 'playwright-core';
import { DistributedStack } from './helpers/distributed-stack';
import { analysisTable, DuckDb } from './helpers/duckdb';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, '..', 'test-results');
/** The page's screenshots that the documentation shows. */
const DOC_FIGURES = path.resolve(__dirname, '..', 'docs', 'figures');
const API_KEY = 'page-test-key';

/** Drives the results page in a real headless Chromium against a real API, worker and Redis. */
describe('results page', () => {
  let stack: DistributedStack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await DistributedStack.start({
      label: 'page',
      workers: 1,
      env: { API_KEY, RATE_LIMIT_PER_MINUTE: '0' },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** A page signed in with the key; first refused a wrong one, unless called outside a test (`tryWrongKey` false). */
  async function openSignedIn(tryWrongKey = true): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(stack.services!.url + '/');
    // the static shell loads without the key, then asks for it
    await page.locator('#login').waitFor({ state: 'visible' });
    if (tryWrongKey) {
      await page.fill('#api-key', 'wrong');
      await page.click('#login-form button');
      await expect.poll(() => page.textContent('#login-error')).toContain('not right');
    }
    await page.fill('#api-key', API_KEY);
    await page.click('#login-form button');
    await page.locator('#app').waitFor({ state: 'visible' });
    return page;
  }

  it('shows validation messages next to the fields', async () => {
    const page = await openSignedIn();
    await page.fill('#f-models', 'demo-a');
    await page.fill('#f-numbers', '5..1');
    await page.click('#sweep-form button[type=submit]');
    const error = page.locator('.field[data-field="numbers"] .error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toContain('starts after it ends');
    await page.close();
  });

  it('submits a sweep, follows it to completed and shows its figures', async () => {
    const page = await openSignedIn();
    await page.fill('#f-models', 'demo-a');
    await page.fill('#f-numbers', '-100..100');
    await page.click('#sweep-form button[type=submit]');
    const completed = page.locator('#sweep-rows tr[data-status="completed"]');
    await completed.first().waitFor({ state: 'attached', timeout: 60_000 });
    await completed.first().click();
    const figures = page.locator('#detail-figures img');
    await expect.poll(() => figures.count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
    // every figure really loaded (a broken image has naturalWidth 0)
    await expect
      .poll(
        () =>
          figures.evaluateAll((images) =>
            images.every(
              (i) =>
                (i as unknown as { complete: boolean; naturalWidth: number }).complete &&
                (i as unknown as { naturalWidth: number }).naturalWidth > 0,
            ),
          ),
        {
          timeout: 20_000,
        },
      )
      .toBe(true);
    expect(await page.textContent('#detail-summary')).toContain('demo-a');
    expect(await page.locator('#detail-downloads a').count()).toBeGreaterThan(4);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'results-page.png'), fullPage: true });
    await page.close();
  }, 120_000);

  describe('a finished sweep, explored', () => {
    let id: string;
    let page: Page;

    beforeAll(async () => {
      const created = await stack.api
        .withHeaders({ authorization: `Bearer ${API_KEY}` })
        .submit({ models: ['demo-a', 'demo-b'], numbers: '-60..60', formats: ['plain', 'space'] });
      id = created.id;
      await stack.api
        .withHeaders({ authorization: `Bearer ${API_KEY}` })
        .awaitStatus(id, 'completed', { context: stack.logs });
      page = await openSignedIn(false);
      await page.locator(`#sweep-rows tr[data-id="${id}"]`).click();
      await page
        .locator('#detail-charts figure[data-figure="cosine-matrix"] svg.marks')
        .waitFor({ timeout: 30_000 });
    }, 120_000);

    afterAll(async () => {
      await page?.close();
    });

    /** Hovers the `index`-th mark of a figure; returns the datum Vega drew it from and the tooltip's text. */
    async function hover(figure: string, marks: string, index: (count: number) => number) {
      const all = page.locator(`#detail-charts figure[data-figure="${figure}"] ${marks}`);
      const mark = all.nth(index(await all.count()));
      await page.mouse.move(0, 0); // off any mark: the tooltip of an earlier hover goes away
      await page.locator('#vg-tooltip-element').waitFor({ state: 'hidden' });
      const datum = await mark.evaluate(
        (node) => (node as unknown as { __data__: { datum: Record<string, unknown> } }).__data__.datum,
      );
      await mark.hover();
      const tooltip = page.locator('#vg-tooltip-element');
      await tooltip.waitFor({ state: 'visible' });
      return { datum, text: (await tooltip.textContent()) ?? '' };
    }

    it('shows the number and its cosine on hovering a successive-cosine bar, as the Parquet has them', async () => {
      const { datum, text } = await hover('successive-cosine', '.mark-rect.role-mark path', (n) =>
        Math.floor(n / 2),
      );
      const [model, format] = String(datum.panel).split(' · ');
      const db = await DuckDb.open();
      try {
        const [row] = await db.rows<{ cosine: number }>(
          `SELECT cosine FROM ${analysisTable(stack.sweepDir(id), 'successive-cosine')} ` +
            `WHERE number = ${Number(datum.number)} AND model = '${model}' AND format = '${format}'`,
        );
        expect(text).toContain(`Number${datum.number}`);
        expect(text).toContain(`Cosine${row.cosine.toFixed(4)}`);
      } finally {
        db.close();
      }
    });

    it('shows the token ids of a number on hovering the token-ids figure', async () => {
      const { datum, text } = await hover('token-ids', '.mark-symbol.role-mark path', (n) =>
        Math.floor(n / 3),
      );
      expect(text).toContain(`Number${String(datum.number).replace('-', '−')}`);
      expect(text).toContain(`Token id${datum.id}`);
      expect(text).toContain(`Token${datum.token}`);
    });

    it('makes the matrix hoverable: a cell shows its row, column and cosine', async () => {
      const { datum, text } = await hover(
        'cosine-matrix',
        '.mark-rect.role-mark path',
        (n) => Math.floor(n / 2) + 1,
      );
      for (const value of Object.values(datum).filter((v) => typeof v === 'number'))
        expect(text.replace(/,/g, '')).toContain(String(Math.abs(value as number)).slice(0, 4));
    });

    it('zooms along the number axis on a scroll', async () => {
      const ticks = page.locator(
        '#detail-charts figure[data-figure="successive-cosine"] svg.marks .role-axis-label text',
      );
      const view = async () => (await ticks.allTextContents()).join(' ');
      const before = await view();
      // over a bar of the first panel: the zoom belongs to the plot area, not to the gaps around it
      const bars = page.locator(
        '#detail-charts figure[data-figure="successive-cosine"] .mark-rect.role-mark path',
      );
      await bars.nth(10).hover();
      await page.mouse.wheel(0, -400);
      await expect.poll(view).not.toBe(before);
    });

    it('compares the models and formats side by side and offers DuckDB, pandas and polars snippets', async () => {
      const heads = await page.locator('#detail-compare thead th').allTextContents();
      expect(heads.filter(Boolean).sort()).toEqual([
        'demo-a · plain',
        'demo-a · space',
        'demo-b · plain',
        'demo-b · space',
      ]);
      for (const tool of ['duckdb', 'pandas', 'polars'])
        expect(await page.textContent(`#detail-snippets pre[data-tool="${tool}"]`)).toContain(
          `/sweeps/${id}/`,
        );
      expect(await page.textContent('#detail-snippets pre[data-tool="duckdb"]')).toMatch(
        /read_parquet\(\['http.*\.parquet'/,
      );
      await mkdir(DOC_FIGURES, { recursive: true });
      await page.screenshot({ path: path.join(DOC_FIGURES, 'results-page-explore.png'), fullPage: true });
    });
  });

  it('cancels a running sweep with its button, and retries it with the other', async () => {
    const created = await stack.api
      .withHeaders({ authorization: `Bearer ${API_KEY}` })
      .submit({ models: ['demo-a'], numbers: '0..3000000', analyses: ['tokens'], chunkSize: 1000 });
    const page = await openSignedIn();
    await page.locator(`#sweep-rows tr[data-id="${created.id}"]`).click();
    const cancel = page.locator('#cancel-sweep');
    await cancel.waitFor({ state: 'visible' });
    await cancel.click();
    await page
      .locator(`#sweep-rows tr[data-id="${created.id}"][data-status="cancelled"]`)
      .waitFor({ timeout: 30_000 });
    const retry = page.locator('#retry-sweep');
    await retry.waitFor({ state: 'visible' });
    await page.screenshot({ path: path.join(DOC_FIGURES, 'results-page-cancelled.png') });
    await retry.click();
    await page
      .locator(`#sweep-rows tr[data-id="${created.id}"]:is([data-status="queued"], [data-status="running"])`)
      .waitFor({ timeout: 30_000 });
    await cancel.click(); // nothing to keep the worker busy after the test
    await page
      .locator(`#sweep-rows tr[data-id="${created.id}"][data-status="cancelled"]`)
      .waitFor({ timeout: 30_000 });
    await page.close();
  }, 120_000);

  it('keeps everything but the shell behind the key', async () => {
    const shell = await fetch(stack.services!.url + '/');
    expect(shell.status).toBe(200);
    const list = await fetch(stack.services!.url + '/sweeps');
    expect(list.status).toBe(401);
  });
});
