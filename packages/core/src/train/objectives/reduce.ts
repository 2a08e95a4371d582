// Sequence-level sums and means over masked response tokens.
import * as tf from '@tensorflow/tfjs-core';

/** Per row: Σ_t x·mask ('sum') or that over Σ_t mask ('mean'; 0 for a row with no token). */
export function reduceTokens(
  x: tf.Tensor2D,
  mask: tf.Tensor2D,
  reduction: 'sum' | 'mean',
): tf.Tensor1D {
  const sum = tf.sum(tf.mul(x, mask), 1) as tf.Tensor1D;
  if (reduction === 'sum') return sum;
  return tf.div(sum, tf.maximum(tf.sum(mask, 1), 1)) as tf.Tensor1D;
}

/** Mean of a [B] vector as a scalar. */
export function batchMean(x: tf.Tensor1D): tf.Scalar {
  return tf.mean(x) as tf.Scalar;
}
