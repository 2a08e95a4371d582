// Per-token log-probs of response tokens, computed batch by batch and laid back out per row.
import * as tf from '@tensorflow/tfjs-core';

import { buildBatch, disposeBatch } from '../data/batch.js';
import type { SequenceRow } from '../data/batch.js';
import type { CausalLM, NamedParameter } from '../types.js';

/** Flat [B·T] values with row b's `values[b]` at its response positions and 0 elsewhere. */
export function layoutResponseValues(
  rows: readonly SequenceRow[],
  T: number,
  values: readonly Float32Array[],
): Float32Array {
  const out = new Float32Array(rows.length * T);
  rows.forEach((row, b) => {
    const start = b * T + row.promptIds.length;
    out.set(values[b].subarray(0, row.responseIds.length), start);
  });
  return out;
}

/** Log-probs of each row's response tokens (EOS included) under `model`, no gradient. */
export async function responseLogps(
  model: CausalLM,
  rows: readonly SequenceRow[],
  padId: number,
  batchSize: number,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let start = 0; start < rows.length; start += batchSize) {
    const chunk = rows.slice(start, start + batchSize);
    const batch = buildBatch(chunk, padId);
    const logps = tf.tidy(() => model.tokenLogProbs(batch.ids, batch.attentionMask));
    const values = (await logps.data()) as Float32Array;
    logps.dispose();
    disposeBatch(batch);
    const T = batch.ids.shape[1];
    chunk.forEach((row, b) => {
      const begin = b * T + row.promptIds.length;
      out.push(values.slice(begin, begin + row.responseIds.length));
    });
  }
  return out;
}

/** Every parameter's values by name (copies). */
export function weightsOf(parameters: readonly NamedParameter[]): Map<string, Float32Array> {
  return new Map(
    parameters.map((p) => [p.name, new Float32Array(p.variable.dataSync() as Float32Array)]),
  );
}
