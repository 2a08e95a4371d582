// Matrix product whose batch dimensions may broadcast (numpy rules), with a correct gradient.
// Porting note: in tfjs-core 4.22 the gradient of tf.matMul returns the broadcast shape for an
// input whose batch dimensions were broadcast (it throws "The gradient of input 'b' has shape
// '3,5,6', which does not match the shape of the input '5,6'"), and the cpu kernel's forward
// indexes batches modulo their count, which is wrong for [2, 1] against [1, 3]. This helper only
// hands tf.matMul equal batch dimensions, so both directions stay exact.
import * as tf from '@tensorflow/tfjs-core';

function sameShape(x: readonly number[], y: readonly number[]): boolean {
  return x.length === y.length && x.every((d, i) => d === y[i]);
}

/** a [..., m, k] · b [..., k, n] (or transposed per flag) → [broadcast(...), m, n]. */
export function matMul(
  a: tf.Tensor,
  b: tf.Tensor,
  transposeA = false,
  transposeB = false,
): tf.Tensor {
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  if (sameShape(batchA, batchB)) return tf.matMul(a, b, transposeA, transposeB);

  return tf.tidy(() => {
    const [m, k] = transposeA
      ? [a.shape[a.rank - 1], a.shape[a.rank - 2]]
      : [a.shape[a.rank - 2], a.shape[a.rank - 1]];
    const n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];

    // Weights shared by every batch: fold the batch into the rows, one 2-D product.
    if (b.rank === 2 && !transposeA) {
      const rows = tf.reshape(a, [-1, k]);
      return tf.reshape(tf.matMul(rows, b, false, transposeB), [...batchA, m, n]);
    }

    const batch = tf.backend_util.assertAndGetBroadcastShape(batchA, batchB);
    const size = batch.reduce((p, d) => p * d, 1);
    const expand = (x: tf.Tensor) => {
      const full = tf.broadcastTo(x, [...batch, ...x.shape.slice(-2)]);
      const [rows, cols] = x.shape.slice(-2);
      return tf.reshape(full, [size, rows, cols]) as tf.Tensor3D;
    };
    const product = tf.matMul(expand(a), expand(b), transposeA, transposeB);
    return tf.reshape(product, [...batch, m, n]);
  });
}
