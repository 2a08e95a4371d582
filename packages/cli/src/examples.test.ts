// Every shipped allo config validates as a user would run it: merged over the default, stage
// overrides checked against the schedules, and every referenced file present.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { checkStageOverrides, loadConfig } from '@allo/core';

import { builtinRegistry } from './builtins.js';
import { defaultLayer } from './defaults.js';

const root = path.resolve(__dirname, '../../..');
const examples = readdirSync(path.join(root, 'examples')).filter((name) => {
  const file = path.join(root, 'examples', name, 'config.json');
  // The math pipeline's own configs (examples/math and the two dataset examples built on it)
  // are not allo run configs.
  return existsSync(file) && !('problems' in JSON.parse(readFileSync(file, 'utf8')));
});

describe('shipped configs', () => {
  it('covers every example folder with an allo config', () => {
    expect(examples.length).toBeGreaterThanOrEqual(20);
  });

  it.each(examples)('examples/%s/config.json validates and names existing files', async (name) => {
    const registry = builtinRegistry();
    const loaded = await loadConfig(path.join(root, 'examples', name, 'config.json'), defaultLayer(), registry);
    checkStageOverrides(loaded, registry);
    const modelPath = loaded.config.model.options.path as string;
    expect(existsSync(modelPath)).toBe(true);
    const dataPath = loaded.config.dataset.options.path as string | undefined;
    if (dataPath !== undefined) expect(existsSync(dataPath)).toBe(true);
    expect(Object.keys(loaded.config.baselines).every((b) => b !== loaded.config.schedule.use)).toBe(true);
  });

  it.each([
    ['the README one-liner', { schedule: { use: 'dpo' } }],
    ['a selector swap', { neuronSelector: { use: 'random', options: { ratio: 0.05 } } }],
  ])('%s is a complete config', async (_label, content) => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'allo-readme-')), 'config.json');
    writeFileSync(file, JSON.stringify(content));
    const registry = builtinRegistry();
    const loaded = await loadConfig(file, defaultLayer(), registry);
    checkStageOverrides(loaded, registry);
    expect(Object.keys(loaded.config.stages)).toEqual([]);
    expect(Object.keys(loaded.config.baselines)).not.toContain(loaded.config.schedule.use);
  });
});
