// Token-weighted NPO, the forgetting stage of ALLO (Chen et al., EMNLP 2024, Sec. 3.2, Eq. 8), after
// Negative Preference Optimization (Zhang et al. 2024, Eq. 3) applied per token of a rejected
// response and weighted by the token-level reward w_t:
//   L = Σ_t −w_t · log σ(−β (log π_θ(y_t) − log π_ref(y_t))) / #(w_t ≠ 0).
// Over a batch the sums run over every row's tokens together, so a row whose weights are all zero
// adds nothing to either sum (its tokens are not trained on); a batch with no non-zero weight has
// loss 0 and zero gradient. Porting note: Zhang et al. scale by 2/β; ALLO's equation (and the
// fixture) does not.
import * as tf from '@tensorflow/tfjs-core';

import { logSigmoid } from '../../ops/log-sigmoid.js';
import type { ObjectiveOutput } from './types.js';

export interface NpoInput {
  /** [B, T] log π_θ(y_t) of the rejected response. */
  policy: tf.Tensor2D;
  /** [B, T] log π_ref(y_t). */
  reference: tf.Tensor2D;
  /** [B, T] 1 on response tokens. */
  mask: tf.Tensor2D;
  /** [B, T] token weights w_t (1 everywhere for plain NPO); multiplied by the mask. */
  weights: tf.Tensor2D;
}

export function npoLoss(input: NpoInput, spec: { beta: number }): ObjectiveOutput {
  const weights = tf.mul(input.weights, input.mask);
  const logRatios = tf.sub(input.policy, input.reference);
  const perToken = tf.mul(tf.neg(logSigmoid(tf.mul(logRatios, -spec.beta))), weights);
  const counted = tf.cast(tf.notEqual(weights, 0), 'float32');
  const loss = tf.div(tf.sum(perToken), tf.maximum(tf.sum(counted), 1)) as tf.Scalar;
  const sequenceRatios = tf.sum(tf.mul(logRatios, input.mask), 1);
  return {
    loss,
    metrics: {
      'rewards/rejected': tf.mean(tf.mul(sequenceRatios, spec.beta)) as tf.Scalar,
      'logps/rejected': tf.mean(tf.sum(tf.mul(input.policy, input.mask), 1)) as tf.Scalar,
      'tokens/selected': tf.mean(tf.sum(counted, 1)) as tf.Scalar,
    },
  };
}
