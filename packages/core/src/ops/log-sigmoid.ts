// log σ(x) = min(x, 0) − log1p(exp(−|x|)), stable for any float32 x, with gradient
// σ(−x) = 1 − σ(x). Porting note: tf.logSigmoid's gradient in tfjs-core 4.22 reads a disposed
// tensor, so allo never differentiates through it.
import * as tf from '@tensorflow/tfjs-core';

export function logSigmoid<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    save([input]);
    const value = tf.sub(tf.minimum(input, 0), tf.log1p(tf.exp(tf.neg(tf.abs(input)))));
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.sigmoid(tf.neg(saved[0]))),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as T;
}
