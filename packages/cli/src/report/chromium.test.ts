// Opens report.html in headless Chromium (Debian's `chromium`; .ci/run installs it) and checks
// that it renders every plot, with no page error, console error or request beyond the file.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';

import { writeFixtureRun } from './fixture.js';
import { writeReport } from './index.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let dir = '';
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM}: not found; this test needs Debian's chromium (apt-get install -y chromium, as .ci/run does)`,
    );
  dir = await writeFixtureRun(await mkdtemp(path.join(tmpdir(), 'allo-report-chromium-')));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Expected marks per plot: lines (one path per stage), point symbols (one per step), rect cells, text cells. */
const PLOTS: Record<string, { lines?: number; symbols?: number; rects?: number; texts?: number }> =
  {
    'loss-allo': { lines: 3, symbols: 11 },
    'margins-allo': { lines: 2, symbols: 8 },
    'loss-dpo': { lines: 1, symbols: 8 },
    'margins-dpo': { lines: 1, symbols: 8 },
    'heatmap-allo-forgetting': { rects: 11, texts: 11 },
    'heatmap-allo-learning': { rects: 11, texts: 11 },
    'overlap-allo': { rects: 3 },
  };

test('report.html renders every plot in headless Chromium with no error and no request beyond the file', async () => {
  const file = await writeReport(dir);
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ offline: true, javaScriptEnabled: true });
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('request', (request) => requests.push(request.url()));

  const response = await page.goto(url, { waitUntil: 'load' });
  expect(response?.ok()).toBe(true);
  expect(await page.title()).toBe('allo run default');

  const names = await page.$$eval('figure.plot', (figures) =>
    figures.map((f) => f.getAttribute('data-plot')),
  );
  expect(names).toEqual(Object.keys(PLOTS));

  for (const [name, expected] of Object.entries(PLOTS)) {
    const svg = page.locator(`figure[data-plot="${name}"] > svg`);
    expect(await svg.count(), name).toBe(1);
    const box = await svg.boundingBox();
    expect(box?.width, name).toBeGreaterThan(100);
    expect(box?.height, name).toBeGreaterThan(20);
    const counts = await svg.evaluate((el) => ({
      lines: el.querySelectorAll('.mark-line.role-mark path').length,
      symbols: el.querySelectorAll('.mark-symbol.role-mark path').length,
      rects: el.querySelectorAll('.mark-rect.role-mark path').length,
      texts: el.querySelectorAll('.mark-text.role-mark text').length,
      paths: el.querySelectorAll('path').length,
    }));
    for (const [kind, count] of Object.entries(expected))
      expect(counts[kind as keyof typeof counts], `${name} ${kind}`).toBe(count);
    expect(counts.paths, name).toBeGreaterThan(
      Object.values(expected).reduce((a, b) => a + b, 0) - (expected.texts ?? 0),
    );
  }

  // A heatmap cell is drawn where the browser lays it out: its box is inside the plot's box.
  const cell = await page
    .locator('figure[data-plot="heatmap-allo-forgetting"] .mark-rect.role-mark path')
    .first()
    .boundingBox();
  expect(cell?.width).toBeGreaterThan(10);
  expect(cell?.height).toBeGreaterThan(10);

  expect(problems).toEqual([]);
  expect(requests).toEqual([url]);
  await context.close();
}, 30_000);
