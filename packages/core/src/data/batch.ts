// Packs tokenised (prompt, response) sequences into one right-padded batch. Masks come from
// lengths, never from comparing ids with the pad id.
import * as tf from '@tensorflow/tfjs-core';

import type { SequenceBatch } from '../types.js';

export interface SequenceRow {
  promptIds: readonly number[];
  responseIds: readonly number[];
}

/** Builds ids, attention mask and loss mask [B, T]; T is the longest row unless given. */
export function buildBatch(rows: readonly SequenceRow[], padId: number, length?: number): SequenceBatch {
  const T = length ?? Math.max(1, ...rows.map((r) => r.promptIds.length + r.responseIds.length));
  const B = rows.length;
  const ids = new Int32Array(B * T).fill(padId);
  const attention = new Float32Array(B * T);
  const loss = new Float32Array(B * T);
  rows.forEach((row, b) => {
    const P = row.promptIds.length;
    const R = row.responseIds.length;
    if (P + R > T) throw new RangeError(`buildBatch: row ${b} has ${P + R} tokens, more than the batch length ${T}`);
    for (let t = 0; t < P; t += 1) ids[b * T + t] = row.promptIds[t];
    for (let t = 0; t < R; t += 1) ids[b * T + P + t] = row.responseIds[t];
    attention.fill(1, b * T, b * T + P + R);
    loss.fill(1, b * T + P, b * T + P + R);
  });
  return {
    ids: tf.tensor2d(ids, [B, T], 'int32'),
    attentionMask: tf.tensor2d(attention, [B, T]),
    lossMask: tf.tensor2d(loss, [B, T]),
    promptLengths: rows.map((r) => r.promptIds.length),
    responseLengths: rows.map((r) => r.responseIds.length),
  };
}

export function disposeBatch(batch: SequenceBatch): void {
  tf.dispose([batch.ids, batch.attentionMask, batch.lossMask]);
}
