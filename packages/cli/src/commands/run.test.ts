// The main job end to end on real input (stories260K, story preference pairs), tiny: every file of the run
// directory, the eval table's models, determinism on the cpu backend, and Ctrl-C.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { setLogSinks } from '@allo/core';

import { main } from '../main.js';

// Short real story pairs keep the pure-JS cpu backend (the determinism reference) quick.
const pairs = path.resolve(__dirname, '../../../../examples/dataset-jsonl-pairs/pairs.jsonl');
const tiny = {
  name: 'tiny',
  backend: { use: 'cpu' },
  dataset: { use: 'jsonl-pairs', options: { path: pairs } },
  data: { maxLength: 96, maxPromptLength: 64, eval: 6, validation: 0 },
  schedule: {
    use: 'allo',
    options: {
      warmup: { steps: 2, lr: 0.001, batchSize: 2 },
      forgetting: { steps: 2, lr: 0.001, batchSize: 2 },
      learning: { steps: 2, lr: 0.001, batchSize: 2 },
    },
  },
  baselines: { dpo: { use: 'dpo', options: { steps: 6, lr: 0.001, batchSize: 2 } } },
  eval: { klSamples: 1, maxNewTokens: 6, showSamples: 1, batchSize: 6 },
};

let stdout: string;

beforeEach(() => {
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  setLogSinks([() => undefined]);
});

afterEach(() => {
  vi.restoreAllMocks();
  setLogSinks([]);
});

function writeConfig(content: unknown): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'allo-run-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(content));
  return { file, dir };
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, number | string>);

describe('allo run', () => {
  it('runs ALLO and a DPO baseline, evaluates reference / allo / dpo, and writes the run directory; the same seed gives the same metrics', async () => {
    const { file, dir } = writeConfig(tiny);
    const first = path.join(dir, 'first');
    expect(await main(['run', file, '--out', first, '--quiet'])).toBe(0);

    expect(stdout).toContain('Held-out evaluation');
    expect(stdout).toMatch(/metric\s+reference\s+allo\s+dpo/);
    const evaluation = JSON.parse(readFileSync(path.join(first, 'eval.json'), 'utf8'));
    expect(Object.keys(evaluation)).toEqual(['reference', 'allo', 'dpo']);
    for (const metric of ['rewards/accuracies', 'rewards/margins', 'rewards/chosen', 'rewards/rejected', 'logps/chosen', 'logps/rejected', 'nll/chosen', 'kl/reference']) {
      expect(typeof evaluation.allo[metric]).toBe('number');
    }
    expect(evaluation.reference['rewards/margins']).toBe(0);
    expect(evaluation.reference['kl/reference']).toBe(0);

    const metrics = lines(path.join(first, 'metrics.jsonl'));
    expect(metrics.map((m) => `${m.model}/${m.stage}`)).toEqual([
      ...Array(2).fill('allo/warmup'),
      ...Array(2).fill('allo/forgetting'),
      ...Array(2).fill('allo/learning'),
      ...Array(6).fill('dpo/dpo'),
    ]);
    expect(metrics[0].loss).toBeCloseTo(Math.LN2, 5);

    const run = JSON.parse(readFileSync(path.join(first, 'run.json'), 'utf8'));
    expect(run).toMatchObject({ name: 'tiny', seed: 42, status: 'ok', backend: 'cpu' });
    expect(run.data.kept.eval).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(path.join(first, 'config.json'), 'utf8')).schedule.use).toBe('allo');
    expect(readdirSync(path.join(first, 'masks')).sort()).toEqual(['allo-forgetting.safetensors', 'allo-learning.safetensors']);
    for (const stage of ['allo/forgetting', 'allo/learning', 'dpo/dpo']) {
      expect(readdirSync(path.join(first, 'checkpoints', stage)).sort()).toEqual(expect.arrayContaining(['config.json', 'model.safetensors']));
    }
    expect(existsSync(path.join(first, 'checkpoints', 'allo', 'warmup'))).toBe(false);
    expect(readFileSync(path.join(first, 'report.html'), 'utf8')).toContain('<svg');

    const second = path.join(dir, 'second');
    expect(await main(['run', file, '--out', second, '--quiet'])).toBe(0);
    expect(lines(path.join(second, 'metrics.jsonl')).map((m) => m.loss)).toEqual(metrics.map((m) => m.loss));
    expect(JSON.parse(readFileSync(path.join(second, 'eval.json'), 'utf8'))).toEqual(evaluation);
  }, 300_000);

  it('stops after the current step on SIGINT and leaves a valid run directory with the last finished stage', async () => {
    const options = { ...tiny.schedule.options, learning: { steps: 200, lr: 0.001, batchSize: 2 } };
    const { file, dir } = writeConfig({ ...tiny, backend: { use: 'auto' }, baselines: { dpo: null }, schedule: { use: 'allo', options } });
    const out = path.join(dir, 'run');
    const timer = setInterval(() => {
      const metricsFile = path.join(out, 'metrics.jsonl');
      if (existsSync(metricsFile) && readFileSync(metricsFile, 'utf8').includes('"learning"')) {
        clearInterval(timer);
        process.emit('SIGINT', 'SIGINT');
      }
    }, 50);
    const code = await main(['run', file, '--out', out, '--quiet']);
    clearInterval(timer);
    expect(code).toBe(130);
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.status).toBe('interrupted');
    expect(run.endedAt).not.toBeNull();
    const learning = lines(path.join(out, 'metrics.jsonl')).filter((m) => m.stage === 'learning').length;
    expect(learning).toBeGreaterThan(0);
    expect(learning).toBeLessThan(200);
    expect(readdirSync(path.join(out, 'checkpoints', 'allo', 'forgetting'))).toContain('model.safetensors');
    expect(JSON.parse(readFileSync(path.join(out, 'checkpoints', 'allo', 'forgetting', 'config.json'), 'utf8')).model_type).toBe('llama');
    expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('interrupted');
  }, 300_000);
});
