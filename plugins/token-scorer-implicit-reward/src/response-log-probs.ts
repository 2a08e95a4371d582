// Per-token log-probs of each pair's response (EOS included) under one or two models, read back
// in one call per chunk of pairs. Entry t of tokenLogProbs is log p(ids[t] | ids[<t]), so response
// token j of a row with a P-token prompt sits at position P + j.
import { buildBatch, disposeBatch } from '@allo/core';
import type { CausalLM, SequenceRow } from '@allo/core';
import * as tf from '@tensorflow/tfjs-core';

/** log π_a(y_t) − log π_b(y_t) per response token (or log π_a(y_t) alone when b is null). */
export async function responseLogRatios(
  a: CausalLM,
  b: CausalLM | null,
  rows: readonly SequenceRow[],
  padId: number,
  batchSize: number,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let start = 0; start < rows.length; start += batchSize) {
    const chunk = rows.slice(start, start + batchSize);
    const batch = buildBatch(chunk, padId);
    const values = tf.tidy(() => {
      const lpA = a.tokenLogProbs(batch.ids, batch.attentionMask);
      return b === null ? lpA : tf.sub(lpA, b.tokenLogProbs(batch.ids, batch.attentionMask));
    });
    const T = batch.ids.shape[1];
    disposeBatch(batch);
    const flat = (await values.data()) as Float32Array;
    values.dispose();
    chunk.forEach((row, i) => {
      const begin = i * T + row.promptIds.length;
      out.push(flat.slice(begin, begin + row.responseIds.length));
    });
  }
  return out;
}
