// What every objective takes and returns. Inputs are per-token log-probs laid out like the batch
// ([B, T], response tokens marked by a mask), so that one forward pass serves every objective.
import type * as tf from '@tensorflow/tfjs-core';

/** Per-token log-probs of chosen and rejected responses under the policy and the reference. */
export interface PairLogps {
  /** [B, T] log π_θ(y_t) of the chosen response (any value where the mask is 0). */
  policyChosen: tf.Tensor2D;
  /** [B, T] log π_ref(y_t) of the chosen response. */
  referenceChosen: tf.Tensor2D;
  /** [B, T] 1 on chosen response tokens (EOS included), 0 on prompt and padding. */
  chosenMask: tf.Tensor2D;
  policyRejected: tf.Tensor2D;
  referenceRejected: tf.Tensor2D;
  rejectedMask: tf.Tensor2D;
}

/** A scalar loss to differentiate, and the step's metrics as scalar tensors (read back once). */
export interface ObjectiveOutput {
  loss: tf.Scalar;
  metrics: Record<string, tf.Scalar>;
}
