import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { assetPath } from '@allo/core';
import type { NamedParameter, ParameterMask } from '@allo/core';
import { leakedTensors, useCpuBackend } from '@allo/core/testing';

import { learningRate } from './lr-schedule.js';
import { MaskedAdamW } from './masked-adamw.js';

const fixture = JSON.parse(
  readFileSync(assetPath('fixtures', 'allo-reference.json'), 'utf8'),
).masked_adamw;

function parameter(name: string, values: Float32Array | number[], shape: number[]): NamedParameter {
  const initial = tf.tensor(values, shape, 'float32');
  const variable = tf.variable(initial, true, `${name}-${Math.random()}`);
  initial.dispose();
  return { name, variable, group: 'mlp', layer: 0, outputAxis: null };
}

function maskOf(entries: Array<[string, number, number[]]>): ParameterMask {
  const tensors = new Map(
    entries.map(([name, size, indices]) => [
      name,
      { name, size, indices: Int32Array.from(indices) },
    ]),
  );
  const selected = entries.reduce((s, [, , i]) => s + i.length, 0);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  return { tensors, selected, total, share: selected / total };
}

/** Dense masked AdamW written the obvious way: state for every element, update where mask = 1. */
function denseMaskedAdamW(
  p: Float32Array,
  mask: Uint8Array,
  grads: Float32Array[],
  lr: number,
  wd: number,
): Float32Array {
  const m = new Float32Array(p.length);
  const v = new Float32Array(p.length);
  const out = new Float32Array(p);
  grads.forEach((g, step) => {
    const c1 = 1 - 0.9 ** (step + 1);
    const c2 = 1 - 0.999 ** (step + 1);
    for (let i = 0; i < p.length; i += 1) {
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + (1 - 0.999) * g[i] * g[i];
      if (mask[i] === 1)
        out[i] = out[i] - lr * (m[i] / c1 / (Math.sqrt(v[i] / c2) + 1e-8) + wd * out[i]);
    }
  });
  return out;
}

beforeAll(useCpuBackend);

describe('MaskedAdamW', () => {
  it('reproduces the fixture two steps within 1e-6 and leaves the unmasked element bit-identical', async () => {
    const p = parameter('w', fixture.init, [4]);
    const indices = fixture.mask.flatMap((x: number, i: number) => (x === 1 ? [i] : []));
    const optimizer = new MaskedAdamW([p], maskOf([['w', 4, indices]]), {
      betas: [fixture.beta1, fixture.beta2],
      eps: fixture.eps,
      weightDecay: fixture.weight_decay,
      maxGradNorm: 0,
    });
    const before = p.variable.dataSync().slice();
    for (const g of fixture.grads) {
      const grad = tf.tensor1d(g);
      await optimizer.step(new Map([['w', grad]]), fixture.lr);
      grad.dispose();
    }
    const after = p.variable.dataSync();
    fixture.after_two_steps.forEach((expected: number, i: number) =>
      expect(Math.abs(after[i] - expected)).toBeLessThan(1e-6),
    );
    expect(Object.is(after[1], before[1])).toBe(true);
    p.variable.dispose();
  });

  it('gives bit-for-bit the dense masked result with state for the selected elements only', async () => {
    const size = 2000;
    const init = Float32Array.from({ length: size }, (_, i) => Math.sin(i) * 0.3);
    const mask = new Uint8Array(size);
    const indices: number[] = [];
    for (let i = 0; i < size; i += 20) {
      mask[i] = 1;
      indices.push(i);
    }
    const grads = [0, 1, 2].map((s) =>
      Float32Array.from({ length: size }, (_, i) => Math.cos(i * (s + 1)) * 0.01),
    );
    const p = parameter('w', init, [40, 50]);
    const frozen = parameter('frozen', [1, 2, 3], [3]);
    const optimizer = new MaskedAdamW([p, frozen], maskOf([['w', size, indices]]), {
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0.01,
      maxGradNorm: 0,
    });
    expect(optimizer.trainable.map((t) => t.name)).toEqual(['w']);
    for (const g of grads) await optimizer.step(new Map([['w', g]]), 1e-3);
    const expected = denseMaskedAdamW(init, mask, grads, 1e-3, 0.01);
    const actual = p.variable.dataSync();
    let identical = 0;
    for (let i = 0; i < size; i += 1) if (Object.is(actual[i], expected[i])) identical += 1;
    expect(identical).toBe(size);
    for (let i = 0; i < size; i += 1)
      if (mask[i] === 0) expect(Object.is(actual[i], init[i])).toBe(true);
    // 5% of 2000 elements → 100 × (m + v) × 4 bytes, against 2003 × 8 bytes dense.
    expect(optimizer.stateBytes()).toBe(800);
    expect(optimizer.denseStateBytes()).toBe(2003 * 8);
    expect(Array.from(frozen.variable.dataSync())).toEqual([1, 2, 3]);
    tf.dispose([p.variable, frozen.variable]);
  });

  it('clips by the global norm over selected elements only', async () => {
    const p = parameter('w', [1, 1, 1], [3]);
    const optimizer = new MaskedAdamW([p], maskOf([['w', 3, [0, 1]]]), {
      betas: [0.9, 0.999],
      eps: 0,
      weightDecay: 0,
      maxGradNorm: 1,
    });
    // Selected gradient (3, 4): norm 5, not 13 with the unselected 12.
    const report = await optimizer.step(new Map([['w', Float32Array.from([3, 4, 12])]]), 0.1);
    expect(report.gradNorm).toBe(5);
    // Adam's first step moves each element by lr·sign(g), whatever the clip factor.
    const after = p.variable.dataSync();
    expect(after[0]).toBeCloseTo(0.9, 6);
    expect(after[1]).toBeCloseTo(0.9, 6);
    expect(after[2]).toBe(1);
    p.variable.dispose();
  });

  it('trains nothing under a mask with no selected element, and leaks no tensor', async () => {
    const p = parameter('w', [1, 2], [2]);
    const optimizer = new MaskedAdamW([p], maskOf([['w', 2, []]]), {
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0.1,
      maxGradNorm: 1,
    });
    expect(optimizer.trainable).toEqual([]);
    expect(optimizer.stateBytes()).toBe(0);
    const dense = new MaskedAdamW([p], null, {
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      maxGradNorm: 0,
    });
    const leaked = await leakedTensors(async () => {
      for (let s = 0; s < 3; s += 1) {
        const g = tf.tensor1d([0.5, -0.5]);
        await dense.step(new Map([['w', g]]), 0.01);
        g.dispose();
      }
    });
    expect(leaked).toBe(0);
    p.variable.dispose();
  });
});

describe('MaskedAdamW mask checks', () => {
  it('refuses a mask naming no parameter, of the wrong size, or with unsorted indices', () => {
    const p = parameter('w', [1, 2, 3], [3]);
    const options = {
      betas: [0.9, 0.999] as [number, number],
      eps: 1e-8,
      weightDecay: 0,
      maxGradNorm: 0,
    };
    const attempt = (mask: ParameterMask) => {
      try {
        new MaskedAdamW([p], mask, options);
        return null;
      } catch (error) {
        return error as { code: string; message: string };
      }
    };
    expect(attempt(maskOf([['v', 3, [0]]]))).toMatchObject({ code: 'MASK_INVALID' });
    expect(attempt(maskOf([['w', 4, [0]]]))?.message).toBe(
      'mask tensor "w": has size 4, expected the parameter\'s 3',
    );
    expect(attempt(maskOf([['w', 3, [2, 1]]]))?.message).toBe(
      'mask tensor "w": index 1 is 1, expected ascending indices in [0, 3)',
    );
    expect(attempt(maskOf([['w', 3, [3]]]))).toMatchObject({ code: 'MASK_INVALID' });
    expect(attempt(maskOf([['w', 3, [0, 2]]]))).toBeNull();
    p.variable.dispose();
  });
});

describe('learningRate', () => {
  it('warms up linearly then follows cosine, linear or constant', () => {
    const spec = { lr: 1, warmupRatio: 0.2, schedule: 'cosine' as const };
    expect([0, 1].map((s) => learningRate(spec, s, 10))).toEqual([0.5, 1]);
    expect(learningRate(spec, 2, 10)).toBe(1);
    expect(learningRate(spec, 6, 10)).toBeCloseTo(0.5, 12);
    expect(learningRate({ ...spec, schedule: 'linear' }, 6, 10)).toBeCloseTo(0.5, 12);
    expect(learningRate({ ...spec, schedule: 'constant' }, 9, 10)).toBe(1);
    expect(learningRate({ ...spec, warmupRatio: 0 }, 0, 4)).toBe(1);
  });
});
