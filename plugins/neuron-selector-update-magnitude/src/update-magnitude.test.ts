import { readFileSync } from 'node:fs';

import { NEURON_SELECTOR, assetPath, createLogger, isAlloError } from '@allo/core';
import type { NamedParameter, ParameterGroup, PluginContext } from '@allo/core';
import { leakedTensors, useCpuBackend } from '@allo/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { Ajv } from 'ajv';
import { container } from 'tsyringe';
import { beforeAll, describe, expect, it } from 'vitest';

import { createUpdateMagnitudeSelector, updateMagnitudePlugin } from './update-magnitude.js';
import type { UpdateMagnitudeOptions } from './update-magnitude.js';

const context: PluginContext = {
  logger: createLogger('test'),
  seed: 1,
  runDir: null,
  configDir: '.',
};
const validate = new Ajv({
  formats: { path: true },
  allErrors: true,
  useDefaults: true,
  strict: false,
}).compile(updateMagnitudePlugin.optionsSchema);

function options(partial: Record<string, unknown> = {}): UpdateMagnitudeOptions {
  const o = { ...partial };
  if (!validate(o)) throw new Error(JSON.stringify(validate.errors));
  return o as unknown as UpdateMagnitudeOptions;
}

function param(
  name: string,
  shape: number[],
  group: ParameterGroup,
  outputAxis: 0 | 1 | null = null,
): NamedParameter {
  return {
    name,
    variable: tf.variable(tf.zeros(shape), false, name),
    group,
    layer: null,
    outputAxis,
  };
}

beforeAll(useCpuBackend);

describe('update-magnitude options', () => {
  it('fills every default', () => {
    expect(options()).toEqual({
      ratio: 0.05,
      exclude: 0,
      tensors: 'all',
      embeddings: 'include',
      norms: 'include',
      granularity: 'element',
    });
  });

  it.each([
    [{ ratio: 0 }, '/ratio', 'must be > 0'],
    [{ ratio: 5 }, '/ratio', 'must be <= 1'],
    [{ exclude: -0.1 }, '/exclude', 'must be >= 0'],
    [{ rato: 0.1 }, '', 'must NOT have additional properties'],
    [{ granularity: 'neuron' }, '/granularity', 'must be equal to one of the allowed values'],
    [
      { tensors: ['attention', 'conv'] },
      '/tensors/1',
      'must be equal to one of the allowed values',
    ],
    [{ norms: true }, '/norms', 'must be string'],
  ])('rejects %j', (bad, path, message) => {
    expect(validate({ ...bad })).toBe(false);
    expect(validate.errors!.some((e) => e.instancePath === path && e.message === message)).toBe(
      true,
    );
  });

  it('rejects an exclude fraction that empties the band, naming both options', () => {
    let error: unknown;
    try {
      createUpdateMagnitudeSelector(options({ ratio: 0.05, exclude: 0.05 }), context);
    } catch (e) {
      error = e;
    }
    expect(isAlloError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain(
      'neuronSelector.options.exclude: must be below options.ratio (0.05)',
    );
    expect((error as Error).message).toContain('got 0.05');
  });
});

describe('update-magnitude selection', () => {
  it('reproduces allo-reference.json update_magnitude_mask exactly, with its achieved share', async () => {
    const fx = JSON.parse(
      readFileSync(assetPath('fixtures', 'allo-reference.json'), 'utf8'),
    ).update_magnitude_mask;
    const params = [param('a', [30], 'mlp'), param('b', [7], 'attention')];
    const before = new Map(['a', 'b'].map((n) => [n, Float32Array.from(fx.before[n] as number[])]));
    const after = new Map(['a', 'b'].map((n) => [n, Float32Array.from(fx.after[n] as number[])]));
    const selector = createUpdateMagnitudeSelector(
      options({ ratio: fx.r_per / 100, exclude: fx.l_per / 100 }),
      context,
    );
    expect(selector.needs).toBe('warmup');
    let mask!: Awaited<ReturnType<typeof selector.select>>;
    expect(
      await leakedTensors(
        async () => (mask = await selector.select({ parameters: params, before, after })),
      ),
    ).toBe(0);
    for (const n of ['a', 'b']) {
      const flags = (fx.mask[n] as number[]).map((_, i) =>
        mask.tensors.get(n)!.indices.includes(i) ? 1 : 0,
      );
      expect(flags).toEqual(fx.mask[n]);
    }
    // Ties rule: without ties, floor(37·0.2) − floor(37·0.05) = 7 − 1 = 6 elements, as the fixture.
    expect(mask.selected).toBe(fx.selected);
    expect(mask.selected).toBe(6);
    expect(mask.share).toBe(6 / 37);
    tf.dispose(params.map((p) => p.variable));
  });

  it('achieves floor(N·r) − floor(N·l) elements without ties, and more when |Δ| ties at the threshold', async () => {
    const params = [param('w', [100], 'mlp'), param('v', [100], 'attention')];
    const before = new Map(params.map((p) => [p.name, new Float32Array(100)]));
    // Distinct |Δ| = 1..200 spread over both tensors.
    const distinct = new Map(
      params.map((p, t) => [
        p.name,
        Float32Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? -1 : 1) * (2 * i + t + 1)),
      ]),
    );
    const selector = createUpdateMagnitudeSelector(options({ ratio: 0.1, exclude: 0.02 }), context);
    const m = await selector.select({ parameters: params, before, after: distinct });
    expect(m.selected).toBe(20 - 4);
    // Every element has |Δ| = 1: all 200 tie at both thresholds; the band "≥ r_thr and not ≥ l_thr"
    // is then empty, as the official script's would be.
    const flat = new Map(params.map((p) => [p.name, new Float32Array(100).fill(1)]));
    expect((await selector.select({ parameters: params, before, after: flat })).selected).toBe(0);
    // With l = 0, all tied elements are kept: share 1 where 10% was asked.
    const keepAll = createUpdateMagnitudeSelector(options({ ratio: 0.1 }), context);
    expect((await keepAll.select({ parameters: params, before, after: flat })).share).toBe(1);
    tf.dispose(params.map((p) => p.variable));
  });

  it('respects eligibility and row granularity', async () => {
    const emb = param('embed', [4, 3], 'embedding', 0);
    const norm = param('norm', [3], 'norm');
    const up = param('up', [2, 3], 'mlp', 0);
    const params = [emb, norm, up];
    const before = new Map(params.map((p) => [p.name, new Float32Array(p.variable.size)]));
    const after = new Map([
      ['embed', new Float32Array(12).fill(10)],
      ['norm', new Float32Array(3).fill(10)],
      ['up', Float32Array.from([1, 1, 1, 0, 0, 0.5])],
    ]);
    const select = (o: Record<string, unknown>) =>
      createUpdateMagnitudeSelector(options(o), context).select({
        parameters: params,
        before,
        after,
      });
    const mlpOnly = await select({ ratio: 0.5, embeddings: 'exclude', norms: 'exclude' });
    expect([
      mlpOnly.tensors.get('embed')!.indices.length,
      mlpOnly.tensors.get('norm')!.indices.length,
    ]).toEqual([0, 0]);
    expect(Array.from(mlpOnly.tensors.get('up')!.indices)).toEqual([0, 1, 2]);
    // Rows of up: sums 3 and 0.5; half of the 2 rows = row 0, all of its 3 elements.
    const rows = await select({ ratio: 0.5, tensors: ['mlp'], granularity: 'row' });
    expect(Array.from(rows.tensors.get('up')!.indices)).toEqual([0, 1, 2]);
    expect(rows.selected).toBe(3);
    tf.dispose(params.map((p) => p.variable));
  });

  it('fails clearly without warm-up weights', async () => {
    const w = param('w', [3], 'mlp');
    const selector = createUpdateMagnitudeSelector(options(), context);
    await expect(
      selector.select({ parameters: [w], before: new Map([['w', new Float32Array(3)]]) }),
    ).rejects.toThrow(/needs the weights after a warm-up stage/);
    await expect(
      selector.select({
        parameters: [w],
        before: new Map([['w', new Float32Array(3)]]),
        after: new Map([['w', new Float32Array(2)]]),
      }),
    ).rejects.toThrow(/parameter "w": before has 3 values and after has 2; expected both 3/);
    w.variable.dispose();
  });

  it('registers a factory under the NeuronSelector token', () => {
    const child = container.createChildContainer();
    updateMagnitudePlugin.register(child, options({ ratio: 0.2 }), context);
    expect(child.resolve(NEURON_SELECTOR).needs).toBe('warmup');
    expect(updateMagnitudePlugin.kind).toBe('neuronSelector');
  });
});
