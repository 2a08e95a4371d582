import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { setLogLevel, setLogSinks } from '@allo/core';
import type { LogRecord } from '@allo/core';

import { builtinPlugins } from './builtins.js';
import { main } from './main.js';

let out: string;
let logs: LogRecord[];

beforeEach(() => {
  out = '';
  logs = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  setLogLevel('info');
  setLogSinks([(record) => logs.push(record)]);
});

afterEach(() => {
  vi.restoreAllMocks();
  setLogSinks([]);
  setLogLevel('silent');
});

function config(content: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'allo-cli-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const errorText = () => logs.filter((r) => r.level === 'error').map((r) => r.message).join('\n');

describe('allo', () => {
  it('prints help and exits 0 with --help, 2 with no command', async () => {
    expect(await main(['--help'])).toBe(0);
    expect(out).toContain('Usage: allo <command> [options]');
    expect(out).toContain('validate <config>');
    expect(await main([])).toBe(2);
  });

  it('exits 2 on an unknown command, naming the commands', async () => {
    expect(await main(['trian'])).toBe(2);
    expect(errorText()).toContain('unknown command "trian"; expected one of run, validate, plugins');
  });

  it('lists every built-in plugin', async () => {
    expect(await main(['plugins', '--json'])).toBe(0);
    const listed = JSON.parse(out) as Array<{ id: string; kind: string }>;
    const builtins = builtinPlugins();
    expect(listed).toHaveLength(builtins.length);
    for (const { declaration } of builtins) expect(listed).toContainEqual(expect.objectContaining({ id: declaration.id, kind: declaration.kind }));
    for (const id of ['update-magnitude', 'gradient-magnitude', 'random', 'all', 'implicit-reward', 'reward-model', 'uniform', 'allo', 'dpo', 'npo', 'sft', 'jsonl-pairs', 'hh-rlhf', 'self-sampled', 'llama2c', 'hf', 'cpu', 'native']) {
      expect(listed.map((p) => p.id)).toContain(id);
    }
  });

  it('validates the shipped default config', async () => {
    expect(await main(['validate', path.resolve(__dirname, '../configs/default.json')])).toBe(0);
    expect(out).toContain('valid (schedule allo, model llama2c, dataset hh-rlhf)');
  });

  it('reports a misspelt option with its breadcrumb and a did-you-mean, exit 2', async () => {
    const file = config({ neuronSelector: { use: 'update-magnitude', options: { rato: 0.1 } } });
    expect(await main(['validate', file])).toBe(2);
    expect(errorText()).toContain('neuronSelector.options.rato: unexpected property "rato"');
    expect(errorText()).toContain('did you mean "ratio"?');
  });

  it('names a missing plugin package, exit 2', async () => {
    const file = config({ plugins: ['@someone/allo-plugin-missing'] });
    expect(await main(['validate', file])).toBe(2);
    expect(errorText()).toContain('PLUGIN_NOT_FOUND: plugins[0]: plugin "@someone/allo-plugin-missing" not found');
  });

  it('suggests the nearest plugin id', async () => {
    const file = config({ neuronSelector: { use: 'update-magnitud' } });
    expect(await main(['validate', file])).toBe(2);
    expect(errorText()).toContain('neuronSelector.use: no neuronSelector plugin "update-magnitud"');
    expect(errorText()).toContain('did you mean "update-magnitude"?');
  });

  it('writes the assembled schema, with every plugin id per slot', async () => {
    expect(await main(['schema'])).toBe(0);
    const schema = JSON.parse(out) as { properties: Record<string, { properties: { use: { enum: string[] } } }> };
    expect(schema.properties.neuronSelector.properties.use.enum).toEqual(expect.arrayContaining(['update-magnitude', 'random', 'gradient-magnitude', 'all']));
    expect(schema.properties.backend.properties.use.enum).toContain('auto');
  });
});

describe('allo.schema.json', () => {
  it('is the schema `allo schema` writes (regenerate with: npx allo schema --out allo.schema.json)', async () => {
    const { readFileSync } = await import('node:fs');
    expect(await main(['schema'])).toBe(0);
    const shipped = readFileSync(path.resolve(__dirname, '../../../allo.schema.json'), 'utf8');
    expect(JSON.parse(out)).toEqual(JSON.parse(shipped));
  });
});

describe('docs/config-reference.md', () => {
  it('is current (regenerate with: npm run docs:config)', async () => {
    const { readFileSync } = await import('node:fs');
    const { configReference } = await import('./config-reference.js');
    const { builtinRegistry } = await import('./builtins.js');
    const shipped = readFileSync(path.resolve(__dirname, '../../../docs/config-reference.md'), 'utf8');
    expect(configReference(builtinRegistry())).toBe(shipped);
  });
});
