// tfjs-core 4.22 has no stop-gradient op. A custom gradient that returns zeros makes one: the
// forward value passes through unchanged and nothing flows back (used for key-token selection,
// which ranks tokens by the policy's own log-ratios but must not be differentiated).
import * as tf from '@tensorflow/tfjs-core';

/** Applies `fn` to `x` outside the gradient tape: the result is a constant for tf.grad. */
export function stopGradient<T extends tf.Tensor>(
  x: tf.Tensor,
  fn: (input: tf.Tensor) => T = (input) => tf.clone(input) as T,
): T {
  const op = tf.customGrad(((input: tf.Tensor) => ({
    value: fn(input),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(input),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as T;
}
