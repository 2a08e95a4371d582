// Turns a stage's objective and data into a per-batch loss function: which rows a batch packs
// (chosen and rejected together for pair objectives, one forward pass), where the cached
// reference log-probs and token weights go, and which objective runs on the policy's log-probs.
import * as tf from '@tensorflow/tfjs-core';

import { buildBatch, disposeBatch } from '../data/batch.js';
import type { SequenceRow } from '../data/batch.js';
import type { ObjectiveSpec, StageSpec } from '../extension-points.js';
import type { CausalLM, TokenizedPair } from '../types.js';
import { dpoLoss } from './objectives/dpo.js';
import { keyTokenDpoLoss } from './objectives/key-token-dpo.js';
import { npoLoss } from './objectives/npo.js';
import { sftLoss } from './objectives/sft.js';
import type { ObjectiveOutput } from './objectives/types.js';
import { layoutResponseValues } from './logps.js';

export type Side = 'chosen' | 'rejected';

/** What an objective reads: pairs of both responses, or one response per example. */
export function sidesOf(objective: ObjectiveSpec, data: StageSpec['data']): Side[] {
  if (objective.type === 'dpo' || objective.type === 'key-token-dpo') return ['chosen', 'rejected'];
  if (objective.type === 'npo') return [data === 'chosen' ? 'chosen' : 'rejected'];
  return [data === 'rejected' ? 'rejected' : 'chosen'];
}

export function needsReference(objective: ObjectiveSpec): boolean {
  return objective.type !== 'sft';
}

export function rowsOf(pairs: readonly TokenizedPair[], side: Side): SequenceRow[] {
  return pairs.map((p) => ({
    promptIds: p.promptIds,
    responseIds: side === 'chosen' ? p.chosenIds : p.rejectedIds,
  }));
}

export interface StageData {
  /** Sequences per side; for pair objectives both sides hold one row per pair, in pair order. */
  rows: Partial<Record<Side, SequenceRow[]>>;
  /** Number of training examples (pairs, or single responses). */
  count: number;
  padId: number;
  /** Reference log-probs per side, one vector per row (absent for SFT). */
  reference: Partial<Record<Side, Float32Array[]>>;
  /** Token weights per row for the NPO side, when the stage weights tokens. */
  weights: Float32Array[] | null;
}

/** The stage's examples: pairs for pair objectives; otherwise the pairs' responses on the side, then the extra single responses. */
export function stageData(
  pairs: readonly TokenizedPair[],
  sides: Side[],
  extra: readonly SequenceRow[],
  padId: number,
): StageData {
  if (sides.length === 2)
    return {
      rows: { chosen: rowsOf(pairs, 'chosen'), rejected: rowsOf(pairs, 'rejected') },
      count: pairs.length,
      padId,
      reference: {},
      weights: null,
    };
  const rows = [...rowsOf(pairs, sides[0]), ...extra];
  return { rows: { [sides[0]]: rows }, count: rows.length, padId, reference: {}, weights: null };
}

export interface PreparedBatch {
  /** Runs the policy forward and the objective; call inside a gradient or tidy scope. */
  loss(model: CausalLM): ObjectiveOutput;
  /** Real (non-padding) tokens in the batch. */
  tokens: number;
  dispose(): void;
}

export function prepareBatch(
  objective: ObjectiveSpec,
  data: StageData,
  sides: Side[],
  indices: readonly number[],
): PreparedBatch {
  const rows = sides.flatMap((side) => indices.map((i) => data.rows[side]![i]));
  const batch = buildBatch(rows, data.padId);
  const [R, T] = batch.ids.shape;
  const B = indices.length;
  const tokens = rows.reduce((sum, r) => sum + r.promptIds.length + r.responseIds.length, 0);
  const owned: tf.Tensor[] = [];
  const reference =
    objective.type === 'sft'
      ? null
      : tf.tensor2d(
          layoutResponseValues(
            rows,
            T,
            sides.flatMap((side) => indices.map((i) => data.reference[side]![i])),
          ),
          [R, T],
        );
  if (reference !== null) owned.push(reference);
  const weights =
    objective.type === 'npo' && data.weights !== null
      ? tf.tensor2d(
          layoutResponseValues(
            rows,
            T,
            indices.map((i) => data.weights![i]),
          ),
          [R, T],
        )
      : null;
  if (weights !== null) owned.push(weights);

  const part = (x: tf.Tensor2D, k: number) =>
    sides.length === 1 ? x : (tf.slice(x, [k * B, 0], [B, T]) as tf.Tensor2D);

  return {
    tokens,
    loss(model) {
      const policy = model.tokenLogProbs(batch.ids, batch.attentionMask);
      const mask = batch.lossMask;
      if (objective.type === 'dpo' || objective.type === 'key-token-dpo') {
        const input = {
          policyChosen: part(policy, 0),
          referenceChosen: part(reference!, 0),
          chosenMask: part(mask, 0),
          policyRejected: part(policy, 1),
          referenceRejected: part(reference!, 1),
          rejectedMask: part(mask, 1),
        };
        return objective.type === 'dpo'
          ? dpoLoss(input, objective)
          : keyTokenDpoLoss(input, objective);
      }
      if (objective.type === 'npo') {
        return npoLoss(
          { policy, reference: reference!, mask, weights: weights ?? mask },
          objective,
        );
      }
      return sftLoss({ policy, mask }, objective);
    },
    dispose() {
      disposeBatch(batch);
      tf.dispose(owned);
    },
  };
}
