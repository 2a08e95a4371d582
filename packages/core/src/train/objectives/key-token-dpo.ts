// Key-token DPO, the learning stage of ALLO (Chen et al., EMNLP 2024, "Not Everything is All You
// Need", Sec. 3.3, Eq. 9): the chosen response counts in full; the rejected response counts only
// through its top-ε share of tokens ranked by −(log π_θ(y_t) − log π_ref(y_t)), i.e. the tokens
// whose log-ratio is most negative. Then L = −log σ(β (r_c − r_r^key)).
//
// Which tokens are kept, per row of length T (EOS included):
// - k = floor(T·ε), as the fixture (assets/fixtures/allo-reference.json `key_token_dpo`) does.
//   Porting note: the official code counts ε over the padded batch length, so a short response in
//   a batch with a long one keeps more tokens than its own length implies; allo uses each row's
//   own length, so a row's selection does not depend on what it is batched with.
// - ε·T below one token: k = 1 (for ε > 0), so that the rejected response always contributes;
//   with k = 0 the objective would only push the chosen response up. ε = 0 keeps nothing.
// - Ties: tokens with equal ratios are ranked by position, earlier first.
// - All ratios of a row equal (step 0, when the policy is its reference): the ranking carries no
//   information and every token is kept, as the official code does when all ratios are zero.
// The selection is a constant for the gradient.
import * as tf from '@tensorflow/tfjs-core';

import type { ObjectiveSpec } from '../../extension-points.js';
import { stopGradient } from '../stop-gradient.js';
import { preferenceLoss } from './dpo.js';
import { reduceTokens } from './reduce.js';
import type { ObjectiveOutput, PairLogps } from './types.js';

export type KeyTokenDpoSpec = Extract<ObjectiveSpec, { type: 'key-token-dpo' }>;

/** The key-token DPO loss of a batch; `tokens/selected` is the mean count of rejected tokens kept. */
export function keyTokenDpoLoss(input: PairLogps, spec: KeyTokenDpoSpec): ObjectiveOutput {
  const rejectedLogRatios = tf.sub(input.policyRejected, input.referenceRejected) as tf.Tensor2D;
  const selected = stopGradient(rejectedLogRatios, (ratios) =>
    keyTokenMask(ratios as tf.Tensor2D, input.rejectedMask, spec.eps),
  );
  const chosenRatio = reduceTokens(
    tf.sub(input.policyChosen, input.referenceChosen),
    input.chosenMask,
    spec.reduction,
  );
  const rejectedRatio = reduceTokens(rejectedLogRatios, selected, spec.reduction);
  const output = preferenceLoss(chosenRatio, rejectedRatio, {
    beta: spec.beta,
    variant: 'sigmoid',
    labelSmoothing: 0,
  });
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
      'tokens/selected': tf.mean(tf.sum(selected, 1)) as tf.Scalar,
    },
  };
}

/**
 * [B, T] float mask of the kept rejected tokens: per row the k = max(1, floor(T·eps)) tokens with
 * the smallest ratio (ties by position), or every token when all ratios of the row are equal.
 */
export function keyTokenMask(ratios: tf.Tensor2D, mask: tf.Tensor2D, eps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [, T] = ratios.shape;
    const lengths = tf.sum(mask, 1);
    const k =
      eps > 0
        ? tf.maximum(tf.floor(tf.mul(lengths, eps)), tf.minimum(lengths, 1))
        : tf.zerosLike(lengths);
    const ri = tf.expandDims(ratios, 2);
    const rj = tf.expandDims(ratios, 1);
    const position = tf.range(0, T, 1, 'int32');
    const earlier = tf.less(tf.expandDims(position, 0), tf.expandDims(position, 1));
    const before = tf.logicalOr(
      tf.less(rj, ri),
      tf.logicalAnd(tf.equal(rj, ri), tf.expandDims(earlier, 0)),
    );
    const rank = tf.sum(tf.mul(tf.cast(before, 'float32'), tf.expandDims(mask, 1)), 2);
    const kept = tf.mul(tf.cast(tf.less(rank, tf.expandDims(k, 1)), 'float32'), mask);
    const big = 3.4e38;
    const max = tf.max(tf.add(tf.mul(ratios, mask), tf.mul(tf.sub(1, mask), -big)), 1);
    const min = tf.min(tf.add(tf.mul(ratios, mask), tf.mul(tf.sub(1, mask), big)), 1);
    const allEqual = tf.expandDims(tf.logicalAnd(tf.equal(max, min), tf.greater(k, 0)), 1);
    return tf.where(tf.logicalAnd(allEqual, tf.greater(mask, 0)), mask, kept) as tf.Tensor2D;
  });
}
