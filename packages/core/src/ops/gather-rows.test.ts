import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { gatherRows } from '@allo/core';
import { useCpuBackend } from '../testing/index.js';

describe('gatherRows', () => {
  beforeAll(useCpuBackend);

  it('gathers rows and sums the gradient of repeated ids, dropping none', () => {
    const table = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const ids = tf.tensor2d(
      [
        [2, 0],
        [2, 2],
      ],
      [2, 2],
      'int32',
    );
    const rows = gatherRows(table, ids);
    expect(rows.arraySync()).toEqual([
      [5, 6],
      [1, 2],
      [5, 6],
      [5, 6],
    ]);
    const dy = tf.tensor2d([
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
    ]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gatherRows(t as tf.Tensor2D, ids), dy)))(
      table,
    );
    // Row 0 is read once (dy row 1), row 1 never, row 2 three times (dy rows 0, 2, 3).
    expect(grad.arraySync()).toEqual([
      [2, 20],
      [0, 0],
      [8, 80],
    ]);
    tf.dispose([table, ids, rows, dy, grad]);
  });

  it('leaves no tensor behind', () => {
    const table = tf.randomNormal([7, 3]) as tf.Tensor2D;
    const ids = tf.tensor1d([6, 1, 1], 'int32');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grad((t: tf.Tensor) => tf.sum(gatherRows(t as tf.Tensor2D, ids)))(table);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([table, ids]);
  });
});
