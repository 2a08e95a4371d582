import { NEURON_SELECTOR, createLogger } from '@allo/core';
import type { NamedParameter, ParameterGroup, PluginContext, SelectorInput } from '@allo/core';
import { leakedTensors, useCpuBackend } from '@allo/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { Ajv } from 'ajv';
import { container } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  apportion,
  createRandomSelector,
  mulberry32,
  randomPlugin,
  sampleIndices,
} from './random.js';
import type { RandomSelectorOptions } from './random.js';

const validate = new Ajv({
  formats: { path: true },
  allErrors: true,
  useDefaults: true,
  strict: false,
}).compile(randomPlugin.optionsSchema);

function options(partial: Record<string, unknown> = {}): RandomSelectorOptions {
  const o = { ...partial };
  if (!validate(o)) throw new Error(JSON.stringify(validate.errors));
  return o as unknown as RandomSelectorOptions;
}

function ctx(seed: number): PluginContext {
  return { logger: createLogger('test'), seed, runDir: null, configDir: '.' };
}

function param(
  name: string,
  shape: number[],
  group: ParameterGroup,
  outputAxis: 0 | 1 | null,
): NamedParameter {
  return {
    name,
    variable: tf.variable(tf.zeros(shape), false, name),
    group,
    layer: null,
    outputAxis,
  };
}

let params: NamedParameter[];
let input: SelectorInput;

beforeAll(async () => {
  await useCpuBackend();
  params = [
    param('embed', [64, 16], 'embedding', 0),
    param('q', [16, 16], 'attention', 0),
    param('conv', [16, 48], 'mlp', 1),
    param('down', [16, 48], 'mlp', 0),
    param('norm', [16], 'norm', null),
  ];
  input = { parameters: params, before: new Map() };
});

afterAll(() => tf.dispose(params.map((p) => p.variable)));

describe('random selector helpers', () => {
  it('apportions a total in proportion, each count within one of ratio · size', () => {
    expect(apportion([10, 10, 10], 0.15, 5)).toEqual([2, 2, 1]);
    expect(apportion([3, 7], 0.5, 5)).toEqual([2, 3]);
    expect(apportion([1000, 1], 0.999, 1000)).toEqual([999, 1]);
  });

  it('samples k distinct ascending indices on both the sparse and the dense path', () => {
    for (const [n, k] of [
      [1000, 10],
      [1000, 900],
      [5, 5],
      [7, 0],
    ]) {
      const s = sampleIndices(n, k, mulberry32(3));
      expect(s.length).toBe(k);
      expect(new Set(s).size).toBe(k);
      expect(Array.from(s).every((v, i) => v >= 0 && v < n && (i === 0 || v > s[i - 1]))).toBe(
        true,
      );
    }
  });
});

describe('random selector', () => {
  it('selects exactly round(ratio · N) eligible elements, within one element per tensor', async () => {
    const selector = createRandomSelector(options({ ratio: 0.05 }), ctx(42));
    let mask!: Awaited<ReturnType<typeof selector.select>>;
    expect(await leakedTensors(async () => (mask = await selector.select(input)))).toBe(0);
    const total = params.reduce((s, p) => s + p.variable.size, 0);
    expect(total).toBe(2832);
    expect(mask.selected).toBe(Math.round(0.05 * 2832));
    expect(mask.selected).toBe(142);
    for (const p of params) {
      const got = mask.tensors.get(p.name)!.indices.length;
      expect(Math.abs(got - 0.05 * p.variable.size)).toBeLessThanOrEqual(1);
    }
    expect(mask.share).toBe(142 / 2832);
  });

  it('is reproducible from the run seed and the option seed, and changes with either', async () => {
    const pick = async (runSeed: number, seed: number) =>
      Array.from(
        (
          await createRandomSelector(options({ ratio: 0.1, seed }), ctx(runSeed)).select(input)
        ).tensors.get('q')!.indices,
      );
    const a = await pick(1, 0);
    expect(await pick(1, 0)).toEqual(a);
    expect(await pick(2, 0)).not.toEqual(a);
    expect(await pick(1, 5)).not.toEqual(a);
  });

  it('selects whole rows along outputAxis, and only eligible tensors', async () => {
    const selector = createRandomSelector(
      options({ ratio: 0.25, granularity: 'row', tensors: ['mlp'] }),
      ctx(7),
    );
    const mask = await selector.select(input);
    // conv [16, 48] has 48 rows on axis 1, down [16, 48] 16 rows on axis 0: 64 rows, 16 picked.
    const conv = Array.from(mask.tensors.get('conv')!.indices);
    const down = Array.from(mask.tensors.get('down')!.indices);
    expect(conv.length).toBe(12 * 16);
    expect(down.length).toBe(4 * 48);
    const convCols = new Set(conv.map((i) => i % 48));
    expect(convCols.size).toBe(12);
    for (const c of convCols) for (let r = 0; r < 16; r += 1) expect(conv).toContain(r * 48 + c);
    const downRows = new Set(down.map((i) => Math.floor(i / 48)));
    expect(downRows.size).toBe(4);
    for (const name of ['embed', 'q', 'norm'])
      expect(mask.tensors.get(name)!.indices.length).toBe(0);
  });

  it('rejects bad options and registers under the token', () => {
    expect(options()).toEqual({
      ratio: 0.05,
      seed: 0,
      tensors: 'all',
      embeddings: 'include',
      norms: 'include',
      granularity: 'element',
    });
    expect(validate({ ratio: 1.5 })).toBe(false);
    expect(validate({ seed: 'x' })).toBe(false);
    const child = container.createChildContainer();
    randomPlugin.register(child, options(), ctx(1));
    expect(child.resolve(NEURON_SELECTOR).needs).toBe('nothing');
  });
});
