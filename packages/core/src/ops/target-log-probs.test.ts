import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { targetLogProbs } from '@allo/core';
import { useCpuBackend } from '../testing/index.js';

describe('targetLogProbs (tfjs-ops path)', () => {
  beforeAll(useCpuBackend);

  it('is log_softmax gathered at the targets, with gradient onehot − softmax', () => {
    const logits = tf.tensor2d([
      [0, Math.log(3)],
      [1000, 1000],
    ]);
    const targets = tf.tensor1d([1, 0], 'int32');
    const value = targetLogProbs(logits, targets).dataSync();
    expect(value[0]).toBeCloseTo(Math.log(3 / 4), 6);
    // Large equal logits: a naive exp overflows to NaN; max-shifted it is log(1/2), to the
    // float32 spacing at 1000 (6e-5).
    expect(value[1]).toBeCloseTo(-Math.LN2, 4);
    const grad = tf.grad((x: tf.Tensor) =>
      tf.sum(tf.mul(targetLogProbs(x as tf.Tensor2D, targets), tf.tensor1d([1, 2]))),
    )(logits);
    const g = grad.dataSync();
    expect(g[0]).toBeCloseTo(-0.25, 6);
    expect(g[1]).toBeCloseTo(0.25, 6);
    expect(g[2]).toBeCloseTo(2 * 0.5, 4);
    expect(g[3]).toBeCloseTo(-2 * 0.5, 4);
    tf.dispose([logits, targets, grad]);
  });

  it('leaves no tensor behind, forward and backward', () => {
    const logits = tf.randomNormal([5, 11]) as tf.Tensor2D;
    const targets = tf.tensor1d([0, 10, 3, 3, 7], 'int32');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grad((x: tf.Tensor) => tf.sum(targetLogProbs(x as tf.Tensor2D, targets)))(logits);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logits, targets]);
  });
});
