import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { KINDS, pluginFiles } = require('./templates.cjs') as {
  KINDS: string[];
  pluginFiles: (o: { name: string; kind: string; directory: string }) => { files: Record<string, string>; dir: string };
};
const { generate } = require('./cli.cjs') as { generate: (root: string, o: { name: string; kind: string; directory: string }) => string };

const root = path.resolve(__dirname, '../../..');
const area = 'tools/plugin-generator/generated-test';
const names = KINDS.map((kind) => `gen-${kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);

function run(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ALLO_LOG_LEVEL: 'warn' } });
  // eslint-disable-next-line no-control-regex
  const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');
  return { status: result.status, output: plain(`${result.stdout}\n${result.stderr}`) };
}

describe('plugin generator', () => {
  afterAll(() => {
    rmSync(path.join(root, area), { recursive: true, force: true });
    for (const name of names) rmSync(path.join(root, 'examples', name), { recursive: true, force: true });
  });

  it('refuses a name that is not kebab-case and an unknown kind', () => {
    expect(() => pluginFiles({ name: 'MySelector', kind: 'neuronSelector', directory: 'plugins' })).toThrow('plugin name "MySelector": expected kebab-case');
    expect(() => pluginFiles({ name: 'x', kind: 'selector', directory: 'plugins' })).toThrow('plugin kind "selector": expected one of neuronSelector, tokenScorer, schedule, dataset, model, backend');
  });

  it('creates a plugin of each kind that builds, passes its own tests and shows in allo plugins', () => {
    rmSync(path.join(root, area), { recursive: true, force: true });
    mkdirSync(path.join(root, area), { recursive: true });
    const dirs = KINDS.map((kind, i) => generate(root, { name: names[i], kind, directory: `${area}/plugins` }));
    for (const dir of dirs) {
      const manifest = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
      expect(manifest.exports['.'].default).toBe('./dist/index.js');
    }

    const build = run(process.execPath, ['node_modules/typescript/bin/tsc', '-b', ...dirs]);
    expect(build.output.trim()).toBe('');
    expect(build.status).toBe(0);

    const tests = run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--dir', area]);
    expect(tests.output).toMatch(/Test Files\s+\S*6 passed/);
    expect(tests.status).toBe(0);

    const config = path.join(root, area, 'config.json');
    writeFileSync(config, JSON.stringify({ plugins: dirs.map((d) => `./${path.relative(path.dirname(config), path.join(root, d))}`) }));
    const listed = run(process.execPath, ['packages/cli/bin/allo.js', 'plugins', '--config', config, '--json']);
    expect(listed.status).toBe(0);
    const plugins = JSON.parse(listed.output.slice(0, listed.output.lastIndexOf(']') + 1)) as Array<{ id: string; kind: string }>;
    for (const [i, kind] of KINDS.entries()) expect(plugins).toContainEqual(expect.objectContaining({ id: names[i], kind }));

    // Every generated plugin used by one run: its backend, model loader, dataset, selector and
    // scorer in ALLO, and its schedule as the baseline.
    const [selector, scorer, schedule, dataset, model, backend] = names;
    const story = (i: number) => ({ prompt: `Once upon a time, girl ${i} had a ball.`, chosen: ' She shared it with her friend.', rejected: ' She threw it at the dog.' });
    const out = path.join(root, area, 'run');
    writeFileSync(
      config,
      JSON.stringify({
        plugins: dirs.map((d) => `./${path.relative(path.dirname(config), path.join(root, d))}`),
        backend: { use: backend },
        model: { use: model, options: { path: path.join(root, 'assets/stories260K/stories260K.bin') } },
        dataset: { use: dataset, options: { pairs: Array.from({ length: 8 }, (_, i) => story(i)) } },
        data: { eval: 2 },
        schedule: { use: 'allo', options: { warmup: { steps: 1, batchSize: 2 }, forgetting: { steps: 1, batchSize: 2 }, learning: { steps: 1, batchSize: 2 } } },
        neuronSelector: { use: selector, options: { ratio: 0.1 } },
        tokenScorer: { use: scorer, options: {} },
        stages: {},
        baselines: { dpo: null, mine: { use: schedule, options: { steps: 2, batchSize: 2 } } },
        eval: { klSamples: 0, maxNewTokens: 4, showSamples: 1 },
      }),
    );
    const ran = run(process.execPath, ['packages/cli/bin/allo.js', 'run', config, '--out', out, '--quiet']);
    expect(ran.output).toContain('Held-out evaluation');
    expect(ran.status).toBe(0);
    expect(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')).backend).toBe(backend);
    const stages = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line).stage);
    expect(stages).toEqual(['warmup', 'forgetting', 'learning', schedule, schedule]);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.stages.find((s: { stage: string }) => s.stage === 'forgetting').mask.share).toBeCloseTo(0.1, 2);
  }, 400_000);
});
