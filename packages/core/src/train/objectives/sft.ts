// Supervised fine-tuning: the negative log-likelihood of the chosen response (Ouyang et al. 2022,
// Sec. 3.5; the usual causal-LM loss restricted to response tokens). 'mean' divides by the number
// of response tokens in the batch (the token-level mean of Hugging Face's causal-LM loss); 'sum'
// is the mean over rows of each response's summed NLL.
import * as tf from '@tensorflow/tfjs-core';

import type { ObjectiveOutput } from './types.js';

export interface SftInput {
  /** [B, T] log π_θ(y_t) of the target response. */
  policy: tf.Tensor2D;
  /** [B, T] 1 on response tokens. */
  mask: tf.Tensor2D;
}

export function sftLoss(input: SftInput, spec: { reduction: 'sum' | 'mean' }): ObjectiveOutput {
  const nll = tf.neg(tf.sum(tf.mul(input.policy, input.mask), 1));
  const tokens = tf.sum(input.mask);
  const loss = (
    spec.reduction === 'sum' ? tf.mean(nll) : tf.div(tf.sum(nll), tf.maximum(tokens, 1))
  ) as tf.Scalar;
  return {
    loss,
    metrics: {
      'logps/chosen': tf.neg(tf.mean(nll)) as tf.Scalar,
      'nll/chosen': tf.div(tf.sum(nll), tf.maximum(tokens, 1)) as tf.Scalar,
    },
  };
}
