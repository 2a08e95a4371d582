import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';
import { assetPath } from '@allo/core';
import { useCpuBackend } from '@allo/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';

import type { CausalLM } from '@allo/core';
import { loadLlama2c } from './loaders.js';
import { loadHfModel } from './hf-directory.js';
import type { Llama2cTokenizer } from './tokenizer-llama2c.js';

const reference = JSON.parse(readFileSync(assetPath('fixtures', 'allo-reference.json'), 'utf8'))
  .forward as {
  sentence: string;
  token_ids: number[];
  token_logprobs: number[];
  sum_logprob: number;
  bos_logits_first8: number[];
  greedy_from_bos: number[];
};
const hfExpected = JSON.parse(
  readFileSync(assetPath('fixtures', 'hf-stories260K', 'expected.json'), 'utf8'),
) as {
  token_ids: number[];
  last_position_logits_first8: number[];
};

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i += 1) {
    expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(
      tolerance * Math.max(1, Math.abs(expected[i])),
    );
  }
}

describe('stories260K (llama2.c) against allo-reference.json forward', () => {
  let model: CausalLM;
  let tokenizer: Llama2cTokenizer;

  beforeAll(async () => {
    await useCpuBackend();
    const loaded = loadLlama2c(assetPath('stories260K', 'stories260K.bin'));
    model = loaded.model;
    tokenizer = loaded.tokenizer as Llama2cTokenizer;
  });

  it('encodes the sentence to the reference ids (BOS added by the caller)', () => {
    expect([1, ...tokenizer.encode(reference.sentence)]).toEqual(reference.token_ids);
    expect(tokenizer.decode(reference.token_ids)).toBe(reference.sentence);
  });

  it('gives the per-token log-probs of the sentence within 1e-4', () => {
    const ids = tf.tensor2d([reference.token_ids], undefined, 'int32');
    const logps = model.tokenLogProbs(ids);
    const values = Array.from(logps.dataSync());
    expect(values[0]).toBe(0);
    close(values.slice(1), reference.token_logprobs, 1e-4);
    expect(Math.abs(values.reduce((a, b) => a + b, 0) - reference.sum_logprob)).toBeLessThan(1e-4);
    tf.dispose([ids, logps]);
  });

  it('gives the logits after BOS within 1e-4', () => {
    const ids = tf.tensor2d([[1]], undefined, 'int32');
    const logits = model.logits(ids);
    close(Array.from(logits.dataSync()).slice(0, 8), reference.bos_logits_first8, 1e-4);
    tf.dispose([ids, logits]);
  });

  it('decodes the 65 greedy tokens from BOS exactly', () => {
    const result = model.generate([[1]], { maxNewTokens: 64, temperature: 0, stopIds: [1, 2] });
    expect([1, ...result.tokens[0]]).toEqual(reference.greedy_from_bos);
    expect(result.finish).toEqual(['length']);
  });

  it('matches the Hugging Face layout fixture (hf-stories260K) within 1e-4', () => {
    const hf = loadHfModel(assetPath('fixtures', 'hf-stories260K'));
    const ids = tf.tensor2d([hfExpected.token_ids], undefined, 'int32');
    const ours = model.logits(ids);
    const theirs = hf.logits(ids);
    const a = ours.dataSync();
    const b = theirs.dataSync();
    let maxDiff = 0;
    for (let i = 0; i < a.length; i += 1) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    const V = 512;
    const last = Array.from(b.slice(b.length - V, b.length - V + 8));
    close(last, hfExpected.last_position_logits_first8, 1e-4);
    tf.dispose([ids, ours, theirs]);
    hf.dispose();
  });
});
