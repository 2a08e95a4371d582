// One DPO training step, the same work as the PyTorch peer: policy forward and backward on
// chosen and rejected together, a reference forward without gradients, sigmoid DPO loss with
// beta 0.1 on the summed response-token log-probs (Rafailov et al. 2023, eq. 7), AdamW.
// AdamW is @allo/core's adamwUpdate (dense: torch.optim.AdamW's update, fused into one kernel
// on allo-native), applied per parameter as the peer's optimizer does.
import * as tf from '@tensorflow/tfjs-core';
import { adamwUpdate, logSigmoid, targetLogProbs } from '@allo/core';

import type { CausalLM } from '@allo/core';

import type { BenchModel } from './llama.js';

/** What a DPO step needs of a model: its trainable variables and summed response log-probs. */
export interface StepModel {
  params: tf.Variable[];
  /** Summed response log-probs per sequence, [2B]. */
  sequenceLogps(batch: DpoBatch): tf.Tensor1D;
  dispose(): void;
}

/** The benchmark's own twin of the peer's model. */
export function benchStepModel(model: BenchModel): StepModel {
  return {
    params: model.params,
    sequenceLogps: (batch) => {
      const logits = model.forward(batch.ids);
      const perToken = tf.reshape(targetLogProbs(logits, batch.labels), batch.responseMask.shape);
      return tf.sum(tf.mul(perToken, batch.responseMask), 1) as tf.Tensor1D;
    },
    dispose: () => model.dispose(),
  };
}

/**
 * The product's model (@allo/model createModel). Its tokenLogProbs predicts token t from the
 * tokens before it inside the [2B, T] ids, so the mask covers ids positions t >= T/2: the same
 * forward work as the peer (2B·T tokens), one fewer head row per sequence.
 */
export function causalLmStepModel(model: CausalLM): StepModel {
  return {
    params: model.parameters.map((p) => p.variable),
    sequenceLogps: (batch) =>
      tf.sum(tf.mul(model.tokenLogProbs(batch.ids), batch.responseMask), 1) as tf.Tensor1D,
    dispose: () => model.dispose(),
  };
}

export interface DpoBatch {
  /** [2B, T] int32: rows [0, B) chosen, [B, 2B) rejected. */
  ids: tf.Tensor2D;
  /** [2B·T] int32 next-token labels. */
  labels: tf.Tensor1D;
  /** [2B, T] float32: 1 on response tokens (the second half). */
  responseMask: tf.Tensor2D;
}

export function randomBatch(pairs: number, seq: number, vocab: number, seed: number): DpoBatch {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
  const rows = 2 * pairs;
  const tokens = Int32Array.from({ length: rows * (seq + 1) }, () => next() % vocab);
  const ids = new Int32Array(rows * seq);
  const labels = new Int32Array(rows * seq);
  const mask = new Float32Array(rows * seq);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < seq; t++) {
      ids[r * seq + t] = tokens[r * (seq + 1) + t];
      labels[r * seq + t] = tokens[r * (seq + 1) + t + 1];
      mask[r * seq + t] = t >= seq / 2 ? 1 : 0;
    }
  }
  return {
    ids: tf.tensor2d(ids, [rows, seq], 'int32'),
    labels: tf.tensor1d(labels, 'int32'),
    responseMask: tf.tensor2d(mask, [rows, seq]),
  };
}

export function disposeBatch(batch: DpoBatch): void {
  tf.dispose([batch.ids, batch.labels, batch.responseMask]);
}

export class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  constructor(
    private readonly params: tf.Variable[],
    private readonly lr = 1e-4,
    private readonly weightDecay = 0.01,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = params.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = params.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  /** Bytes of optimizer state (two float32 moments per parameter element). */
  stateBytes(): number {
    return this.m.reduce((n, m) => n + 8 * m.size, 0);
  }

  apply(grads: tf.Tensor[]): void {
    this.t += 1;
    const hyper = {
      lr: this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
      step: this.t,
    };
    this.params.forEach((p, i) => {
      const next = adamwUpdate({ param: p, m: this.m[i], v: this.v[i] }, grads[i], hyper);
      p.assign(next.param);
      this.m[i].assign(next.m);
      this.v[i].assign(next.v);
      tf.dispose([next.param, next.m, next.v]);
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/**
 * One step; `cachedReference` skips the reference forward (the saving reported separately).
 * Returns the loss.
 */
export function dpoStep(
  policy: StepModel,
  reference: StepModel | tf.Tensor1D,
  batch: DpoBatch,
  optimizer: AdamW,
  beta = 0.1,
): number {
  const pairs = batch.ids.shape[0] / 2;
  const referenceLogps =
    reference instanceof tf.Tensor ? reference : tf.tidy(() => reference.sequenceLogps(batch));
  const { value, grads } = tf.variableGrads(() => {
    const logps = policy.sequenceLogps(batch);
    const ratios = tf.sub(logps, referenceLogps);
    const [chosen, rejected] = tf.split(ratios, [pairs, pairs]);
    return tf.neg(tf.mean(logSigmoid(tf.mul(tf.sub(chosen, rejected), beta)))) as tf.Scalar;
  }, policy.params);
  optimizer.apply(policy.params.map((p) => grads[p.name]));
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  if (!(reference instanceof tf.Tensor)) referenceLogps.dispose();
  return loss;
}
