import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  AlloError,
  PluginRegistry,
  bindFactory,
  definePlugin,
  formatIssue,
  loadConfig,
  mergeConfig,
} from '@allo/core';
import type { ConfigLayer, PluginDeclaration } from '@allo/core';

const selector = definePlugin({
  id: 'fake-selector',
  kind: 'neuronSelector',
  version: '1.0.0',
  description: 'a selector for config tests',
  optionsSchema: {
    type: 'object',
    properties: {
      ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.05 },
      granularity: { type: 'string', enum: ['element', 'row'], default: 'element' },
    },
    additionalProperties: false,
  },
  register: bindFactory('neuronSelector', () => ({ needs: 'nothing', select: async () => { throw new Error('unused'); } })),
});

function stub<K extends PluginDeclaration['kind']>(kind: K, id: string, properties: Record<string, unknown> = {}): PluginDeclaration {
  return {
    id,
    kind,
    version: '1.0.0',
    description: `stub ${kind} for config tests`,
    optionsSchema: { type: 'object', properties, additionalProperties: false },
    register: () => undefined,
  };
}

function registry(): PluginRegistry {
  return new PluginRegistry([
    { declaration: selector, packageName: '@test/fake-selector' },
    { declaration: stub('backend', 'cpu'), packageName: '@test/cpu' },
    { declaration: stub('model', 'fake-model', { path: { type: 'string', format: 'path' } }), packageName: '@test/model' },
    { declaration: stub('dataset', 'fake-data', { path: { type: 'string', format: 'path' }, limit: { type: 'integer', default: 10 } }), packageName: '@test/data' },
    { declaration: stub('schedule', 'fake-schedule'), packageName: '@test/schedule' },
    { declaration: stub('schedule', 'other-schedule', { steps: { type: 'integer', default: 3 } }), packageName: '@test/other' },
    { declaration: stub('tokenScorer', 'fake-scorer'), packageName: '@test/scorer' },
  ]);
}

const defaults: ConfigLayer = {
  file: '(test default)',
  dir: '/defaults',
  data: {
    name: 'test',
    backend: { use: 'auto' },
    model: { use: 'fake-model', options: { path: 'model.bin' } },
    dataset: { use: 'fake-data', options: { path: 'pairs.jsonl' } },
    schedule: { use: 'fake-schedule', options: {} },
    neuronSelector: { use: 'fake-selector', options: { ratio: 0.1 } },
    tokenScorer: { use: 'fake-scorer', options: {} },
  },
};

function writeConfig(content: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'allo-config-'));
  const file = path.join(dir, 'run.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function issuesOf(content: unknown): Promise<string[]> {
  try {
    await loadConfig(writeConfig(content), defaults, registry());
  } catch (error) {
    expect(error).toBeInstanceOf(AlloError);
    expect((error as AlloError).code).toBe('CONFIG_INVALID');
    return (error as AlloError).issues.map(formatIssue);
  }
  return [];
}

describe('loadConfig', () => {
  it('merges a partial config over the default and fills plugin defaults', async () => {
    const file = writeConfig({ schedule: { use: 'other-schedule' } });
    const { config } = await loadConfig(file, defaults, registry());
    expect(config.schedule).toEqual({ use: 'other-schedule', options: { steps: 3 } });
    expect(config.neuronSelector.options).toEqual({ ratio: 0.1, granularity: 'element' });
    expect(config.dataset.options).toEqual({ path: '/defaults/pairs.jsonl', limit: 10 });
    expect(config.seed).toBe(0);
    expect(config.eval.batchSize).toBe(8);
  });

  it('resolves each path option against the file that wrote it', async () => {
    const file = writeConfig({ model: { use: 'fake-model', options: { path: 'mine.bin' } } });
    const { config } = await loadConfig(file, defaults, registry());
    expect(config.model.options.path).toBe(path.join(path.dirname(file), 'mine.bin'));
    expect(config.dataset.options.path).toBe('/defaults/pairs.jsonl');
  });

  it('reports a misspelt option with its breadcrumb and a did-you-mean', async () => {
    const issues = await issuesOf({ neuronSelector: { use: 'fake-selector', options: { rato: 0.2 } } });
    expect(issues).toEqual([
      'neuronSelector.options.rato: unexpected property "rato" (expected one of ratio, granularity); did you mean "ratio"?',
    ]);
  });

  it('reports every problem at once, with expected and got', async () => {
    const issues = await issuesOf({
      seed: -1,
      neuronSelector: { use: 'fake-selector', options: { ratio: 5, granularity: 'rows' } },
      stages: { forgetting: { neuronSelector: { use: 'fake-selector', options: { ratio: 0 } } } },
      sede: 3,
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        'seed: must be >= 0, got -1',
        'sede: unexpected property "sede" (expected one of $schema, name, description, seed, out, plugins, backend, model, dataset, evalDataset, data, schedule, neuronSelector, tokenScorer, stages, baselines, eval); did you mean "seed"?',
        'neuronSelector.options.ratio: must be <= 1, got 5',
        'neuronSelector.options.granularity: must be one of "element", "row", got "rows"; did you mean "row"?',
        'stages.forgetting.neuronSelector.options.ratio: must be > 0, got 0',
      ]),
    );
    expect(issues).toHaveLength(5);
  });

  it('suggests the nearest plugin id for an unknown one', async () => {
    const issues = await issuesOf({ neuronSelector: { use: 'fake-selectr' } });
    expect(issues).toEqual(['neuronSelector.use: no neuronSelector plugin "fake-selectr" (known: fake-selector); did you mean "fake-selector"?']);
  });

  it('names the file and position of invalid JSON', async () => {
    const file = writeConfig('{\n  "seed": 1,\n  oops\n}');
    await expect(loadConfig(file, defaults, registry())).rejects.toMatchObject({
      code: 'CONFIG_UNREADABLE',
      message: expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read the config: invalid JSON at line 3`)),
    });
  });

  it('reads YAML configs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'allo-yaml-'));
    const file = path.join(dir, 'run.yaml');
    writeFileSync(file, 'seed: 7\nneuronSelector:\n  use: fake-selector\n  options:\n    ratio: 0.25\n');
    const { config } = await loadConfig(file, defaults, registry());
    expect(config.seed).toBe(7);
    expect(config.neuronSelector.options.ratio).toBe(0.25);
  });

  it('names a missing plugin package', async () => {
    const file = writeConfig({ plugins: ['allo-plugin-that-is-not-installed'] });
    await expect(loadConfig(file, defaults, registry())).rejects.toMatchObject({
      code: 'PLUGIN_NOT_FOUND',
      message: expect.stringContaining('plugins[0]: plugin "allo-plugin-that-is-not-installed" not found: no package "allo-plugin-that-is-not-installed" is installed'),
    });
  });

  it('loads a plugin outside the monorepo by relative path and uses it in a slot', async () => {
    const file = writeConfig({ plugins: ['./my-scorer'], tokenScorer: { use: 'my-scorer', options: { weight: 2 } } });
    const pluginDir = path.join(path.dirname(file), 'my-scorer');
    mkdirSync(pluginDir);
    writeFileSync(path.join(pluginDir, 'package.json'), JSON.stringify({ name: 'my-scorer', type: 'module', main: 'index.js' }));
    writeFileSync(
      path.join(pluginDir, 'index.js'),
      `export const plugin = { id: 'my-scorer', kind: 'tokenScorer', version: '0.1.0', description: 'external scorer',
        optionsSchema: { type: 'object', properties: { weight: { type: 'number', default: 1 } }, additionalProperties: false },
        register() {} };\n`,
    );
    const reg = registry();
    const { config } = await loadConfig(file, defaults, reg);
    expect(config.tokenScorer).toEqual({ use: 'my-scorer', options: { weight: 2 } });
    expect(reg.find('tokenScorer', 'my-scorer')?.source).toBe('my-scorer');
  });

  it('refuses a module that exports no plugin declaration, naming it', async () => {
    const file = writeConfig({ plugins: ['./not-a-plugin.js'] });
    writeFileSync(path.join(path.dirname(file), 'not-a-plugin.js'), 'export const answer = 42;\n');
    await expect(loadConfig(file, defaults, registry())).rejects.toMatchObject({
      code: 'PLUGIN_INVALID',
      message: expect.stringContaining('plugin module "./not-a-plugin.js" is not a valid allo plugin: no export is a plugin declaration (it exports answer)'),
    });
  });
});

describe('PluginRegistry', () => {
  it('refuses two plugins with one id and kind, naming both packages', () => {
    const reg = registry();
    expect(() => reg.add({ ...selector }, '@other/selector')).toThrowError(
      'two neuronSelector plugins have the id "fake-selector": "@test/fake-selector" and "@other/selector"',
    );
  });

  it('finds a plugin by id or by package name', () => {
    const reg = registry();
    expect(reg.find('neuronSelector', '@test/fake-selector')?.declaration).toBe(selector);
    expect(reg.find('neuronSelector', 'fake-selector')?.declaration).toBe(selector);
  });
});

describe('mergeConfig', () => {
  it('replaces a slot whose plugin changes, and merges one whose plugin stays', () => {
    const base = { s: { use: 'a', options: { x: 1, y: 2 } }, list: [1, 2] };
    expect(mergeConfig(base, { s: { use: 'b', options: { z: 3 } } })).toEqual({ s: { use: 'b', options: { z: 3 } }, list: [1, 2] });
    expect(mergeConfig(base, { s: { use: 'a', options: { y: 5 } }, list: [3] })).toEqual({ s: { use: 'a', options: { x: 1, y: 5 } }, list: [3] });
  });
});
