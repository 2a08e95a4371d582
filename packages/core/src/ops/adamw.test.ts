import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { adamwUpdate } from '@allo/core';
import { useCpuBackend } from '../testing/index.js';

const hyper = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

describe('adamwUpdate (tfjs-ops path)', () => {
  beforeAll(useCpuBackend);

  it('takes the first bias-corrected step of torch.optim.AdamW: p − lr·wd·p − lr·sign(g)', () => {
    const state = { param: tf.tensor1d([1, -2]), m: tf.zeros([2]), v: tf.zeros([2]) };
    const next = adamwUpdate(state, tf.tensor1d([0.5, -3]), { ...hyper, step: 1 });
    // m̂ = g, v̂ = g², so the Adam direction is g/|g| (up to eps).
    const p = next.param.dataSync();
    expect(p[0]).toBeCloseTo(1 - 0.1 * 0.01 * 1 - 0.1, 6);
    expect(p[1]).toBeCloseTo(-2 + 0.1 * 0.01 * 2 + 0.1, 6);
    expect(Array.from(next.m.dataSync()).map((x) => +x.toFixed(6))).toEqual([0.05, -0.3]);
    expect(next.v.dataSync()[1]).toBeCloseTo(0.001 * 9, 7);
  });

  it('with a mask: moments see every gradient, only masked elements move (decay included)', () => {
    const state = { param: tf.tensor1d([1, 1, 1]), m: tf.zeros([3]), v: tf.zeros([3]) };
    const next = adamwUpdate(
      state,
      tf.tensor1d([1, 1, 1]),
      { ...hyper, step: 1 },
      tf.tensor1d([1, 0, 1]),
    );
    const p = next.param.dataSync();
    expect(p[0]).toBeCloseTo(1 - 0.001 - 0.1, 6);
    expect(p[1]).toBe(1);
    expect(Array.from(next.m.dataSync()).map((x) => +x.toFixed(6))).toEqual([0.1, 0.1, 0.1]);
  });

  it('leaves only its three results behind', () => {
    const state = { param: tf.randomNormal([4]), m: tf.zeros([4]), v: tf.zeros([4]) };
    const grad = tf.randomNormal([4]);
    const before = tf.memory().numTensors;
    const next = adamwUpdate(state, grad, { ...hyper, step: 3 });
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([next.param, next.m, next.v, state.param, state.m, state.v, grad]);
  });
});
