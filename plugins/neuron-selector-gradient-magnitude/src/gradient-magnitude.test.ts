import { NEURON_SELECTOR, createLogger, isAlloError } from '@allo/core';
import type { NamedParameter, PluginContext, SelectorInput } from '@allo/core';
import { leakedTensors, useCpuBackend } from '@allo/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { Ajv } from 'ajv';
import { container } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createGradientMagnitudeSelector, gradientMagnitudePlugin } from './gradient-magnitude.js';
import type { GradientMagnitudeOptions } from './gradient-magnitude.js';

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
}).compile(gradientMagnitudePlugin.optionsSchema);

function options(partial: Record<string, unknown> = {}): GradientMagnitudeOptions {
  const o = { ...partial };
  if (!validate(o)) throw new Error(JSON.stringify(validate.errors));
  return o as unknown as GradientMagnitudeOptions;
}

// Stand-in model: y = W x + b, W [3, 4] (rows = output neurons), b [3]; loss of a batch
// (x, t) = Σ (W x + b − t)². Its gradient, by hand: dW = 2 (W x + b − t) xᵀ, db = 2 (W x + b − t).
const W0 = [0.5, -1, 0.25, 2, 1.5, 0, -0.5, 1, -2, 0.75, 1, -0.25];
const B0 = [0.1, -0.2, 0.3];
const BATCHES = [
  { x: [1, 2, -1, 0.5], t: [1, 0, -1] },
  { x: [-0.5, 1, 2, -1], t: [0, 2, 1] },
  { x: [2, -1, 0.5, 1], t: [-1, 1, 0] },
];

let W: NamedParameter;
let b: NamedParameter;

function handGradients(batch: { x: number[]; t: number[] }): [number[], number[]] {
  const r = [0, 1, 2].map(
    (o) => B0[o] + batch.x.reduce((s, xi, i) => s + W0[o * 4 + i] * xi, 0) - batch.t[o],
  );
  return [W0.map((_, k) => 2 * r[Math.floor(k / 4)] * batch.x[k % 4]), r.map((v) => 2 * v)];
}

function input(): SelectorInput {
  const params = [W, b];
  return {
    parameters: params,
    before: new Map([
      ['W', Float32Array.from(W0)],
      ['b', Float32Array.from(B0)],
    ]),
    async gradients(batches, visit) {
      for (const batch of BATCHES.slice(0, batches)) {
        const { grads, value } = tf.variableGrads(
          () =>
            tf.tidy(() => {
              const y = tf.add(
                tf.matMul(W.variable as tf.Tensor2D, tf.tensor2d(batch.x, [4, 1])),
                tf.reshape(b.variable, [3, 1]),
              );
              return tf.sum(tf.square(tf.sub(y, tf.tensor2d(batch.t, [3, 1])))) as tf.Scalar;
            }),
          [W.variable, b.variable],
        );
        visit(
          new Map([
            ['W', grads[W.variable.name].dataSync() as Float32Array],
            ['b', grads[b.variable.name].dataSync() as Float32Array],
          ]),
        );
        tf.dispose([value, ...Object.values(grads)]);
      }
    },
  };
}

function topIndices(scores: number[], k: number): number[] {
  const order = scores.map((s, i) => [s, i]).sort((p, q) => q[0] - p[0]);
  return order
    .slice(0, k)
    .map(([, i]) => i)
    .sort((p, q) => p - q);
}

beforeAll(async () => {
  await useCpuBackend();
  W = {
    name: 'W',
    variable: tf.variable(tf.tensor2d(W0, [3, 4]), true, 'W'),
    group: 'mlp',
    layer: 0,
    outputAxis: 0,
  };
  b = {
    name: 'b',
    variable: tf.variable(tf.tensor1d(B0), true, 'b'),
    group: 'norm',
    layer: 0,
    outputAxis: null,
  };
});

afterAll(() => tf.dispose([W.variable, b.variable]));

describe('gradient-magnitude', () => {
  it('fills defaults and rejects bad options', () => {
    expect(options()).toEqual({
      ratio: 0.05,
      exclude: 0,
      score: 'grad',
      batches: 8,
      tensors: 'all',
      embeddings: 'include',
      norms: 'include',
      granularity: 'element',
    });
    expect(validate({ batches: 0 })).toBe(false);
    expect(validate.errors![0]).toMatchObject({
      instancePath: '/batches',
      message: 'must be >= 1',
    });
    expect(validate({ score: 'hessian' })).toBe(false);
    expect(validate({ batches: 1.5 })).toBe(false);
  });

  it('keeps the top elements of Σ_b |g_b| computed by hand, over both tensors together', async () => {
    const hand = BATCHES.map(handGradients);
    const acc = [...W0, ...B0].map((_, k) =>
      hand.reduce((s, [gW, gb]) => s + Math.abs(k < 12 ? gW[k] : gb[k - 12]), 0),
    );
    // 15 elements, ratio 0.4 → 6 kept; the hand scores have no ties.
    expect(new Set(acc).size).toBe(15);
    const expected = topIndices(acc, 6);
    const selector = createGradientMagnitudeSelector(options({ ratio: 0.4, batches: 3 }), context);
    expect(selector.needs).toBe('gradients');
    let mask!: Awaited<ReturnType<typeof selector.select>>;
    expect(await leakedTensors(async () => (mask = await selector.select(input())))).toBe(0);
    const got = [
      ...Array.from(mask.tensors.get('W')!.indices),
      ...Array.from(mask.tensors.get('b')!.indices, (i) => i + 12),
    ];
    expect(got).toEqual(expected);
    expect(mask.selected).toBe(6);
    expect(mask.share).toBe(6 / 15);

    // The band: top 40% minus top 20% = ranks 4 to 6 of the 15 hand scores.
    const band = await createGradientMagnitudeSelector(
      options({ ratio: 0.4, exclude: 0.2, batches: 3 }),
      context,
    ).select(input());
    const inBand = [
      ...Array.from(band.tensors.get('W')!.indices),
      ...Array.from(band.tensors.get('b')!.indices, (i) => i + 12),
    ];
    expect(inBand).toEqual(expected.filter((i) => !topIndices(acc, 3).includes(i)));
    expect(band.selected).toBe(3);
  });

  it('scores |g · θ| and uses only the batches asked for', async () => {
    const [gW, gb] = handGradients(BATCHES[0]);
    const acc = [
      ...gW.map((g, k) => Math.abs(g * W0[k])),
      ...gb.map((g, k) => Math.abs(g * B0[k])),
    ];
    const selector = createGradientMagnitudeSelector(
      options({ ratio: 0.2, batches: 1, score: 'grad-times-weight' }),
      context,
    );
    const mask = await selector.select(input());
    const got = [
      ...Array.from(mask.tensors.get('W')!.indices),
      ...Array.from(mask.tensors.get('b')!.indices, (i) => i + 12),
    ];
    expect(got).toEqual(topIndices(acc, 3));
  });

  it('selects whole rows of W when asked, and leaves excluded norms out', async () => {
    const hand = BATCHES.map(handGradients);
    const rowSums = [0, 1, 2].map((o) =>
      hand.reduce(
        (s, [gW]) => s + [0, 1, 2, 3].reduce((t, i) => t + Math.abs(gW[o * 4 + i]), 0),
        0,
      ),
    );
    const best = rowSums.indexOf(Math.max(...rowSums));
    const selector = createGradientMagnitudeSelector(
      options({ ratio: 0.34, batches: 3, granularity: 'row', norms: 'exclude' }),
      context,
    );
    const mask = await selector.select(input());
    expect(Array.from(mask.tensors.get('W')!.indices)).toEqual(
      [0, 1, 2, 3].map((i) => best * 4 + i),
    );
    expect(mask.tensors.get('b')!.indices.length).toBe(0);
  });

  it('fails clearly without gradients, and registers under the token', async () => {
    const selector = createGradientMagnitudeSelector(options(), context);
    const error = await selector
      .select({ parameters: [W], before: new Map() })
      .catch((e: unknown) => e);
    expect(isAlloError(error, 'MASK_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/needs gradients of the preference loss/);
    const child = container.createChildContainer();
    gradientMagnitudePlugin.register(child, options(), context);
    expect(child.resolve(NEURON_SELECTOR).needs).toBe('gradients');
  });
});
