import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';

import { logSigmoid } from '@allo/core';

describe('logSigmoid', () => {
  it('matches log(sigmoid(x)) and has gradient sigmoid(-x), also at large |x|', async () => {
    await tf.setBackend('cpu');
    const x = tf.tensor1d([-100, -2, 0, 3, 100]);
    const value = logSigmoid(x).arraySync();
    expect(value[0]).toBeCloseTo(-100, 4);
    expect(value[1]).toBeCloseTo(Math.log(1 / (1 + Math.exp(2))), 6);
    expect(value[2]).toBeCloseTo(-Math.LN2, 6);
    expect(value[4]).toBeCloseTo(0, 6);
    const grad = tf
      .grad((t: tf.Tensor) => tf.sum(logSigmoid(t)))(x)
      .arraySync() as number[];
    expect(grad[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(grad[2]).toBeCloseTo(0.5, 6);
    expect(grad[0]).toBeCloseTo(1, 6);
  });
});

describe('logSigmoid on an intermediate tensor', () => {
  // tf.logSigmoid's gradient in tfjs-core 4.22 throws "Cannot read properties of undefined
  // (reading 'backend')" here: its input was an intermediate that the tape had disposed.
  it('differentiates log σ(β·z) of a computed z, as the DPO loss does', async () => {
    await tf.setBackend('cpu');
    const z = tf.tensor1d([-3, -0.5, 0.25, 4]);
    const beta = 0.1;
    const before = tf.memory().numTensors;
    const grad = tf.grad((t: tf.Tensor) => tf.neg(tf.mean(logSigmoid(tf.mul(t, beta)))))(z);
    const values = grad.arraySync() as number[];
    [-3, -0.5, 0.25, 4].forEach((x, i) => {
      // d/dz −mean(log σ(βz)) = −β σ(−βz) / n
      expect(values[i]).toBeCloseTo(-beta / (1 + Math.exp(beta * x)) / 4, 7);
    });
    grad.dispose();
    expect(tf.memory().numTensors).toBe(before);
    z.dispose();
  });
});
