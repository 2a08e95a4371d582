// One AdamW update (Loshchilov & Hutter 2019, Algorithm 2; the bias-corrected form of
// torch.optim.AdamW), optionally masked as ALLO's optimizer needs: the moments see every
// gradient, only masked elements move, and the decoupled weight decay applies to masked
// elements only (Chen et al. 2024, section 3). A backend may register the fused kernel
// `AlloAdamW` (one pass instead of a dozen elementwise kernels); otherwise tfjs ops run.
import * as tf from '@tensorflow/tfjs-core';

export const ADAMW_KERNEL = 'AlloAdamW';

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step count, for the bias corrections. */
  step: number;
}

export interface AdamWState {
  param: tf.Tensor;
  m: tf.Tensor;
  v: tf.Tensor;
}

/**
 * New parameter and moments (fresh tensors; the caller assigns them and disposes the old).
 * `mask` is float32 1/0 of the parameter's shape, or null for a dense update.
 */
export function adamwUpdate(
  state: AdamWState,
  grad: tf.Tensor,
  hyper: AdamWHyper,
  mask: tf.Tensor | null = null,
): AdamWState {
  if (tf.getKernel(ADAMW_KERNEL, tf.getBackend()) !== undefined) {
    const inputs: tf.NamedTensorMap = { param: state.param, grad, m: state.m, v: state.v };
    if (mask !== null) inputs.mask = mask;
    const [param, m, v] = tf.engine().runKernel(ADAMW_KERNEL, inputs, {
      ...hyper,
    } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
    return { param, m, v };
  }
  return tf.tidy(() => {
    const { lr, beta1, beta2, eps, weightDecay, step } = hyper;
    const m = tf.add(tf.mul(state.m, beta1), tf.mul(grad, 1 - beta1));
    const v = tf.add(tf.mul(state.v, beta2), tf.mul(tf.square(grad), 1 - beta2));
    const mHat = tf.div(m, 1 - beta1 ** step);
    const vHat = tf.div(v, 1 - beta2 ** step);
    let delta = tf.add(
      tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), eps)), -lr),
      tf.mul(state.param, -lr * weightDecay),
    );
    if (mask !== null) delta = tf.mul(delta, mask);
    return { param: tf.add(state.param, delta), m, v };
  });
}
