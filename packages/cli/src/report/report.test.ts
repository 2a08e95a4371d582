import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { AlloError } from '@allo/core';

import { XSS, writeFixtureRun } from './fixture.js';
import { renderReport, writeReport } from './index.js';

const roots: string[] = [];

async function fixtureDir(options: { interrupted?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'allo-report-'));
  roots.push(dir);
  return writeFixtureRun(dir, options);
}

/** The inline SVG of one figure, by its data-plot name. */
function figure(html: string, name: string): string {
  const start = html.indexOf(`<figure class="plot" data-plot="${name}">`);
  expect(start, `figure ${name}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</figure>', start));
}

function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

afterAll(async () => {
  await Promise.all(roots.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('renderReport on a finished run', () => {
  let html = '';
  beforeAll(async () => {
    html = await renderReport(await fixtureDir());
  });

  test('the eval table has a row per metric, columns reference, allo, dpo, formatted to 4 decimals', () => {
    expect(html).toContain(
      '<thead><tr><th>metric</th><th>reference</th><th>allo</th><th>dpo</th></tr></thead>',
    );
    expect(html).toContain(
      '<tr><th scope="row">rewards/accuracies</th><td>0.0000</td><td>0.6250</td><td>0.5625</td></tr>',
    );
    expect(html).toContain(
      '<tr><th scope="row">rewards/margins</th><td>0.0000</td><td>0.0422</td><td>0.0313</td></tr>',
    );
    expect(html).toContain(
      '<tr><th scope="row">logps/chosen</th><td>-112.5304</td><td>-112.6334</td><td>-112.5094</td></tr>',
    );
    expect(html).toContain(
      '<tr><th scope="row">nll/chosen</th><td>2.4375</td><td>2.4402</td><td>2.4391</td></tr>',
    );
    // 0.000734 is below 1e-3, so it is printed in exponent form.
    expect(html).toContain(
      '<tr><th scope="row">kl/reference</th><td>0.0000</td><td>0.0123</td><td>7.34e-4</td></tr>',
    );
    expect(html).toContain('On 64 held-out pairs');
  });

  test('each masked stage has a heatmap whose cells print the share of their layer and group', () => {
    const cells = (name: string) =>
      texts(figure(html, name))
        .filter((t) => /^\d+\.\d\d%$/.test(t))
        .sort();
    // Forgetting: layer 0 attention 1024/8192, mlp 410/16384, norm 0/128, all 1434/24704; layer
    // 1 attention 3072/8192, mlp 8192/16384, norm 16/128, all 11280/24704; outside layers
    // embedding 328/32768, final norm 0/64, all 328/32832. Sorted as strings.
    expect(cells('heatmap-allo-forgetting')).toEqual([
      '0.00%',
      '0.00%',
      '1.00%',
      '1.00%',
      '12.50%',
      '12.50%',
      '2.50%',
      '37.50%',
      '45.66%',
      '5.80%',
      '50.00%',
    ]);
    // Learning: 2048 of layer 0's attention (8192) and 4096 of layer 1's mlp (16384).
    expect(cells('heatmap-allo-learning')).toEqual([
      '0.00%',
      '0.00%',
      '0.00%',
      '0.00%',
      '0.00%',
      '0.00%',
      '0.00%',
      '16.58%',
      '25.00%',
      '25.00%',
      '8.29%',
    ]);
    const labels = texts(figure(html, 'heatmap-allo-forgetting'));
    for (const label of [
      'layer 0',
      'layer 1',
      'outside layers',
      'embedding',
      'attention',
      'mlp',
      'norm',
      'all groups',
    ])
      expect(labels).toContain(label);
    expect(labels).not.toContain('head');
    // The mask's overall share: (328 + 1024 + 410 + 3072 + 8192 + 16) / 82240.
    expect(html).toContain('15.86% of all parameter elements (13,042 of 82,240)');
  });

  test("the overlap section gives intersection, union, Jaccard and each mask's share", () => {
    // Jaccard = 2048 / (13042 + 6144 - 2048) = 2048 / 17138.
    expect(html).toContain(
      'Jaccard index <strong>0.1195</strong>; the intersection holds 15.70% of the forgetting mask and 33.33% of the learning mask.',
    );
    expect(html).toContain(
      '<tr><th scope="row">forgetting mask</th><td>13,042</td><td>15.86%</td></tr>',
    );
    expect(html).toContain(
      '<tr><th scope="row">learning mask</th><td>6,144</td><td>7.47%</td></tr>',
    );
    expect(html).toContain(
      '<tr><th scope="row">intersection</th><td>2,048</td><td>2.49%</td></tr>',
    );
    expect(html).toContain('<tr><th scope="row">union</th><td>17,138</td><td>20.84%</td></tr>');
    expect(texts(figure(html, 'overlap-allo'))).toEqual(
      expect.arrayContaining(['only forgetting', 'both', 'only learning']),
    );
  });

  test('loss is plotted for every model, rewards/margins for the stages that record it', () => {
    expect(texts(figure(html, 'loss-allo'))).toEqual(
      expect.arrayContaining(['warmup', 'forgetting', 'learning', 'allo: loss']),
    );
    const margins = texts(figure(html, 'margins-allo'));
    expect(margins).toEqual(
      expect.arrayContaining(['warmup', 'learning', 'allo: rewards/margins']),
    );
    // The NPO forgetting stage records no margins, so the legend leaves it out.
    expect(margins).not.toContain('forgetting');
    expect(texts(figure(html, 'loss-dpo'))).toContain('dpo');
    expect(texts(figure(html, 'margins-dpo'))).toContain('dpo');
  });

  test('the run status, the data counts and drops, stages and files are listed', () => {
    expect(html).toContain('<span class="status status-ok">ok</span>');
    expect(html).toContain('<tr><th scope="row">duration</th><td>4 min 5 s</td></tr>');
    expect(html).toContain('<tr><th scope="row">train</th><td>384</td></tr>');
    expect(html).toContain('<tr><th scope="row">too-long</th><td>17</td></tr>');
    expect(html).toContain('<tr><th scope="row"><em>all reasons</em></th><td>20</td></tr>');
    expect(html).toContain(
      '<tr><th scope="row">prompt</th><td>480</td><td>9</td><td>41.3</td><td>38.0</td><td>96</td></tr>',
    );
    expect(html).toContain(
      '<tr><th scope="row">allo</th><td>learning</td><td>4</td><td>0.6650</td><td>0.0050</td><td>7.47% (6,144 of 82,240)</td><td><a href="checkpoints/allo/learning/"><code>checkpoints/allo/learning</code></a></td></tr>',
    );
    expect(html).toContain('<a href="masks/allo-forgetting.safetensors">');
  });

  test('dataset and model text is escaped, and the content note comes before the samples', () => {
    const escaped = '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;';
    expect(html).toContain(`<pre>${escaped}</pre>`);
    expect(html).toContain(`<pre>Sure: ${escaped}</pre>`);
    expect(html).toContain(`Human: Say ${escaped}`);
    expect(html).toContain('<pre>Mix flour &amp; water, then bake.</pre>');
    expect(html).not.toContain(XSS);
    expect(html.toLowerCase()).not.toContain('<script');
    const note = html.indexOf('may be offensive');
    expect(note).toBeGreaterThan(html.indexOf('<section id="samples">'));
    expect(note).toBeLessThan(html.indexOf('<h3>Prompt 1</h3>'));
  });

  test('nothing refers to a resource outside the file', () => {
    expect(html).not.toMatch(/\bsrc\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<img\b/i);
    expect(html).not.toMatch(/href\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    // SVG namespaces are names, not fetched: they are the only http strings left.
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(
      new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']),
    );
  });

  test('the ids of the inline plots are unique in the page, and every url(#…) points inside its own plot', () => {
    const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs.length).toBe(7);
    const all: string[] = [];
    for (const svg of svgs) {
      const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
      all.push(...ids);
      for (const [, ref] of svg.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref);
    }
    expect(all.length).toBeGreaterThan(0);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('renderReport is deterministic', () => {
  test('the same run directory gives the same bytes twice in one process', async () => {
    const dir = await fixtureDir();
    expect(await renderReport(dir)).toBe(await renderReport(dir));
  });
});

describe('renderReport on an interrupted run', () => {
  test('says that there is no evaluation and why, and still shows curves and masks', async () => {
    const html = await renderReport(await fixtureDir({ interrupted: true }));
    expect(html).toContain('<span class="status status-interrupted">interrupted</span>');
    expect(html).toContain(
      'No held-out evaluation: eval.json is not in the run directory (the run was interrupted before its evaluation).',
    );
    expect(html).toContain('No samples: the run sampled no response');
    expect(html).toContain('data-plot="loss-allo"');
    expect(html).toContain('data-plot="heatmap-allo-learning"');
    expect(html).not.toContain('<th>metric</th>');
  });

  test('a run directory with only run.json gives a report that names each missing file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'allo-report-'));
    roots.push(dir);
    await writeFile(
      path.join(dir, 'run.json'),
      JSON.stringify({
        name: 'early',
        seed: 1,
        status: 'failed',
        error: 'stage "warmup": loss is NaN <x>',
        startedAt: '2026-01-02T10:00:00.000Z',
        endedAt: null,
      }),
    );
    const html = await renderReport(dir);
    expect(html).toContain('error: stage &quot;warmup&quot;: loss is NaN &lt;x&gt;');
    expect(html).toContain('No metrics.jsonl in the run directory');
    expect(html).toContain(
      'No summary.json in the run directory: the run stopped before recording its stages.',
    );
    expect(html).toContain('No summary.json in the run directory: no overlap to show.');
    expect(html).toContain('the run failed before its evaluation');
    expect(html).toContain(
      '<tr><th scope="row">files</th><td><a href="run.json"><code>run.json</code></a>, <s><code>metrics.jsonl</code></s> (missing), <s><code>eval.json</code></s> (missing), <s><code>summary.json</code></s> (missing)</td></tr>',
    );
    expect(html).toContain('run.json has no data counts');
    expect(html).not.toContain('<svg');
  });

  test('a cut-off last line of metrics.jsonl is left out with a note', async () => {
    const dir = await fixtureDir();
    const file = path.join(dir, 'metrics.jsonl');
    await writeFile(file, `${await readFile(file, 'utf8')}{"model":"dpo","stage":"dpo","st`);
    const html = await renderReport(dir);
    expect(html).toContain('The last line of metrics.jsonl was cut off');
    expect(html).toContain('data-plot="loss-dpo"');
  });
});

describe('errors name the file', () => {
  async function rejection(run: Promise<unknown>): Promise<AlloError> {
    const error = await run.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AlloError);
    return error as AlloError;
  }

  test('a run directory that does not exist', async () => {
    const missing = path.join(tmpdir(), 'allo-report-does-not-exist');
    const error = await rejection(renderReport(missing));
    expect(error.code).toBe('IO');
    expect(error.message).toBe(`${missing}: no such run directory`);
  });

  test('a file instead of a run directory', async () => {
    const dir = await fixtureDir();
    const file = path.join(dir, 'run.json');
    const error = await rejection(renderReport(file));
    expect(error.code).toBe('IO');
    expect(error.message).toBe(
      `${file}: expected a run directory (written by \`allo run\`), got a file`,
    );
  });

  test('a folder without run.json', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'allo-report-'));
    roots.push(dir);
    const error = await rejection(renderReport(dir));
    expect(error.code).toBe('IO');
    expect(error.path).toBe(path.join(dir, 'run.json'));
    expect(error.message).toBe(
      `${path.join(dir, 'run.json')}: missing; a run directory written by \`allo run\` always has it`,
    );
  });

  test('an eval.json that does not parse', async () => {
    const dir = await fixtureDir();
    await writeFile(path.join(dir, 'eval.json'), '{"reference": {');
    const error = await rejection(renderReport(dir));
    expect(error.code).toBe('IO');
    expect(error.path).toBe(path.join(dir, 'eval.json'));
    expect(error.message).toMatch(/eval\.json: expected JSON, got text that does not parse/);
  });

  test('a malformed line inside metrics.jsonl, by its line number', async () => {
    const dir = await fixtureDir();
    const file = path.join(dir, 'metrics.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[2] = '{"stage": "warmup"}';
    await writeFile(file, lines.join('\n'));
    const error = await rejection(renderReport(dir));
    expect(error.code).toBe('IO');
    expect(error.path).toBe(`${file}:3`);
    expect(error.message).toBe(
      `${file}:3: expected an object with "stage" (string) and "step" (number), got {"stage": "warmup"}`,
    );
  });

  test('a run.json without a status', async () => {
    const dir = await fixtureDir();
    await writeFile(path.join(dir, 'run.json'), JSON.stringify({ name: 'x', seed: 1 }));
    const error = await rejection(renderReport(dir));
    expect(error.message).toBe(
      `${path.join(dir, 'run.json')}: "status": expected "ok", "failed", "interrupted" or "running", got undefined`,
    );
  });
});

describe('writeReport', () => {
  test('writes report.html in the run directory, with no temporary file left', async () => {
    const dir = await fixtureDir();
    const file = await writeReport(dir);
    expect(file).toBe(path.join(dir, 'report.html'));
    const written = await readFile(file, 'utf8');
    expect(written.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(written).toContain(
      '<tr><th scope="row">rewards/accuracies</th><td>0.0000</td><td>0.6250</td><td>0.5625</td></tr>',
    );
    expect((await readdir(dir)).sort()).toEqual([
      'eval.json',
      'masks',
      'metrics.jsonl',
      'report.html',
      'run.json',
      'summary.json',
    ]);
  });
});
