import { NEURON_SELECTOR, createLogger, getLogLevel, setLogLevel, setLogSinks } from '@allo/core';
import type { LogRecord, NamedParameter, PluginContext } from '@allo/core';
import { leakedTensors, useCpuBackend } from '@allo/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { Ajv } from 'ajv';
import { container } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { allPlugin, createAllSelector } from './all.js';
import type { AllSelectorOptions } from './all.js';

const context: PluginContext = {
  logger: createLogger('all-test'),
  seed: 1,
  runDir: null,
  configDir: '.',
};
const validate = new Ajv({
  formats: { path: true },
  allErrors: true,
  useDefaults: true,
  strict: false,
}).compile(allPlugin.optionsSchema);

function options(partial: Record<string, unknown> = {}): AllSelectorOptions {
  const o = { ...partial };
  if (!validate(o)) throw new Error(JSON.stringify(validate.errors));
  return o as unknown as AllSelectorOptions;
}

let params: NamedParameter[];

beforeAll(async () => {
  await useCpuBackend();
  params = [
    {
      name: 'embed',
      variable: tf.variable(tf.zeros([8, 4]), false, 'embed'),
      group: 'embedding',
      layer: null,
      outputAxis: 0,
    },
    {
      name: 'o',
      variable: tf.variable(tf.zeros([4, 4]), false, 'o'),
      group: 'attention',
      layer: 0,
      outputAxis: 0,
    },
    {
      name: 'norm',
      variable: tf.variable(tf.zeros([4]), false, 'norm'),
      group: 'norm',
      layer: 0,
      outputAxis: null,
    },
  ];
});

afterAll(() => tf.dispose(params.map((p) => p.variable)));

describe('all selector', () => {
  it('selects every element by default: share 1', async () => {
    const selector = createAllSelector(options(), context);
    let mask!: Awaited<ReturnType<typeof selector.select>>;
    expect(
      await leakedTensors(
        async () => (mask = await selector.select({ parameters: params, before: new Map() })),
      ),
    ).toBe(0);
    expect([mask.selected, mask.total, mask.share]).toEqual([52, 52, 1]);
    expect(Array.from(mask.tensors.get('norm')!.indices)).toEqual([0, 1, 2, 3]);
  });

  it('selects every eligible element only, when embeddings and norms are excluded', async () => {
    const mask = await createAllSelector(
      options({ embeddings: 'exclude', norms: 'exclude' }),
      context,
    ).select({ parameters: params, before: new Map() });
    expect(mask.selected).toBe(16);
    expect(mask.tensors.get('o')!.indices.length).toBe(16);
    expect(mask.tensors.get('embed')!.indices.length).toBe(0);
    expect(mask.share).toBe(16 / 52);
  });

  it('warns once that a ratio other than 1 is ignored, and registers under the token', () => {
    const records: LogRecord[] = [];
    const level = getLogLevel();
    setLogSinks([(r) => records.push(r)]);
    setLogLevel('warn');
    try {
      createAllSelector(options({ ratio: 0.05 }), context);
      createAllSelector(options({ ratio: 0.05 }), context);
      createAllSelector(options(), context);
    } finally {
      setLogSinks([]);
      setLogLevel(level);
    }
    expect(records.map((r) => [r.level, r.tag, r.message])).toEqual([
      [
        'warn',
        'all-test',
        'options.ratio is 0.05, but the "all" selector selects every eligible element; the ratio is ignored',
      ],
    ]);
    expect(options().ratio).toBe(1);
    expect(validate({ ratio: 0 })).toBe(false);
    const child = container.createChildContainer();
    allPlugin.register(child, options(), context);
    expect(child.resolve(NEURON_SELECTOR).needs).toBe('nothing');
  });
});
