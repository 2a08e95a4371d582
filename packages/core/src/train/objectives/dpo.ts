// Direct Preference Optimization and two of its variants, over sequence log-ratios
// h = (log π_θ(y_c) − log π_ref(y_c)) − (log π_θ(y_r) − log π_ref(y_r)).
//
// - sigmoid: Rafailov et al. 2023, "Direct Preference Optimization", Eq. 7:
//   L = −log σ(β h). With label smoothing ε_ls (conservative DPO, Mitchell 2023, "A note on DPO
//   with noisy preferences"): L = −(1 − ε_ls) log σ(β h) − ε_ls log σ(−β h).
// - ipo: Azar et al. 2023, "A General Theoretical Paradigm to Understand Learning from Human
//   Preferences", Eq. 17: L = (h − 1/(2β))².
// - hinge: Zhao et al. 2023 (SLiC-HF), Eq. 2 in TRL's form: L = max(0, 1 − β h).
// The batch loss is the mean over pairs; `reduction` decides whether a response's log-prob is the
// sum over its tokens (the paper) or their mean.
import * as tf from '@tensorflow/tfjs-core';

import type { ObjectiveSpec } from '../../extension-points.js';
import { logSigmoid } from '../../ops/log-sigmoid.js';
import { reduceTokens } from './reduce.js';
import type { ObjectiveOutput, PairLogps } from './types.js';

export type DpoSpec = Extract<ObjectiveSpec, { type: 'dpo' }>;

/** The DPO loss of a batch from per-token log-probs. */
export function dpoLoss(input: PairLogps, spec: DpoSpec): ObjectiveOutput {
  const chosenRatio = reduceTokens(
    tf.sub(input.policyChosen, input.referenceChosen),
    input.chosenMask,
    spec.reduction,
  );
  const rejectedRatio = reduceTokens(
    tf.sub(input.policyRejected, input.referenceRejected),
    input.rejectedMask,
    spec.reduction,
  );
  const output = preferenceLoss(chosenRatio, rejectedRatio, spec);
  return {
    loss: output.loss,
    metrics: {
      ...output.metrics,
      'logps/chosen': tf.mean(
        reduceTokens(input.policyChosen, input.chosenMask, spec.reduction),
      ) as tf.Scalar,
      'logps/rejected': tf.mean(
        reduceTokens(input.policyRejected, input.rejectedMask, spec.reduction),
      ) as tf.Scalar,
      'tokens/selected': tf.mean(tf.sum(input.rejectedMask, 1)) as tf.Scalar,
    },
  };
}

/** The pair loss from sequence log-ratios [B] of chosen and rejected, with TRL's reward metrics. */
export function preferenceLoss(
  chosenRatio: tf.Tensor1D,
  rejectedRatio: tf.Tensor1D,
  spec: { beta: number; variant: DpoSpec['variant']; labelSmoothing: number },
): ObjectiveOutput {
  const h = tf.sub(chosenRatio, rejectedRatio);
  let losses: tf.Tensor;
  if (spec.variant === 'sigmoid') {
    const scaled = tf.mul(h, spec.beta);
    losses = tf.neg(
      tf.add(
        tf.mul(logSigmoid(scaled), 1 - spec.labelSmoothing),
        tf.mul(logSigmoid(tf.neg(scaled)), spec.labelSmoothing),
      ),
    );
  } else if (spec.variant === 'ipo') {
    losses = tf.square(tf.sub(h, 1 / (2 * spec.beta)));
  } else {
    losses = tf.relu(tf.sub(1, tf.mul(h, spec.beta)));
  }
  const chosenRewards = tf.mul(chosenRatio, spec.beta);
  const rejectedRewards = tf.mul(rejectedRatio, spec.beta);
  return {
    loss: tf.mean(losses) as tf.Scalar,
    metrics: {
      'rewards/chosen': tf.mean(chosenRewards) as tf.Scalar,
      'rewards/rejected': tf.mean(rejectedRewards) as tf.Scalar,
      'rewards/margins': tf.mean(tf.sub(chosenRewards, rejectedRewards)) as tf.Scalar,
      'rewards/accuracies': tf.mean(
        tf.cast(tf.greater(chosenRewards, rejectedRewards), 'float32'),
      ) as tf.Scalar,
    },
  };
}
