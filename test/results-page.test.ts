import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, chromium, Page } from 'playwright-core';
import { DistributedStack } from './helpers/distributed-stack';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, '..', 'test-results');
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

  async function openSignedIn(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(stack.services!.url + '/');
    // the static shell loads without the key, then asks for it
    await page.locator('#login').waitFor({ state: 'visible' });
    await page.fill('#api-key', 'wrong');
    await page.click('#login-form button');
    await expect.poll(() => page.textContent('#login-error')).toContain('not right');
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

  it('keeps everything but the shell behind the key', async () => {
    const shell = await fetch(stack.services!.url + '/');
    expect(shell.status).toBe(200);
    const list = await fetch(stack.services!.url + '/sweeps');
    expect(list.status).toBe(401);
  });
});
