// Log-probs of target ids under logits: log_softmax(logits)[n, target[n]], computed stably
// (max-shifted log-sum-exp) in float32, with the analytic gradient
// d/dlogits = g * (onehot(target) - softmax(logits)). A backend may register the fused kernel
// `AlloTargetLogProbs` (one pass, no [N, V] log-softmax tensor kept); otherwise tfjs ops run.
import * as tf from '@tensorflow/tfjs-core';

export const TARGET_LOG_PROBS_KERNEL = 'AlloTargetLogProbs';
export const TARGET_LOG_PROBS_GRAD_KERNEL = 'AlloTargetLogProbsGrad';

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** logits [N, V] float32, targets [N] int32 → [N] float32. */
export function targetLogProbs(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const op = tf.customGrad(((x: tf.Tensor, t: tf.Tensor, save: tf.GradSaveFunc) => {
    const logitsIn = x as tf.Tensor2D;
    const targetsIn = t as tf.Tensor1D;
    if (hasKernel(TARGET_LOG_PROBS_KERNEL)) {
      const [value, logZ] = tf.engine().runKernel(TARGET_LOG_PROBS_KERNEL, {
        logits: logitsIn,
        targets: targetsIn,
      }) as unknown as tf.Tensor[];
      save([logitsIn, targetsIn, logZ]);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
          gradient(dy as tf.Tensor1D, saved),
          tf.zerosLike(saved[1]),
        ],
      };
    }
    const logZ = tf.logSumExp(logitsIn, 1);
    const picked = tf.gatherND(
      logitsIn,
      tf.stack([tf.range(0, logitsIn.shape[0], 1, 'int32'), targetsIn], 1),
    ) as tf.Tensor1D;
    const value = tf.sub(picked, logZ);
    save([logitsIn, targetsIn, logZ]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        gradient(dy as tf.Tensor1D, saved),
        tf.zerosLike(saved[1]),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(logits, targets) as tf.Tensor1D;
}

function gradient(dy: tf.Tensor1D, saved: tf.Tensor[]): tf.Tensor2D {
  const [logits, targets, logZ] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
  if (hasKernel(TARGET_LOG_PROBS_GRAD_KERNEL)) {
    return tf
      .engine()
      .runKernel(TARGET_LOG_PROBS_GRAD_KERNEL, { logits, targets, logZ, dy }) as tf.Tensor2D;
  }
  return tf.tidy(() => {
    const softmax = tf.exp(tf.sub(logits, tf.expandDims(logZ, 1)));
    const onehot = tf.oneHot(targets, logits.shape[1]);
    return tf.mul(tf.sub(onehot, softmax), tf.expandDims(dy, 1)) as tf.Tensor2D;
  });
}
