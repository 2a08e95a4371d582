import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';
import { assetPath } from '@allo/core';
import { useCpuBackend } from '@allo/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';

import { loadHfModel } from './hf-directory.js';
import { HfTokenizer } from './tokenizer-hf.js';

const expected = JSON.parse(
  readFileSync(assetPath('fixtures', 'tiny-gpt2', 'expected.json'), 'utf8'),
) as {
  token_ids: number[];
  logits_pos0_first8: number[];
  logits_last_first8: number[];
  next_token_logprobs: number[];
};

function close(actual: ArrayLike<number>, want: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(want.length);
  for (let i = 0; i < want.length; i += 1) {
    expect(Math.abs(actual[i] - want[i])).toBeLessThanOrEqual(
      tolerance * Math.max(1, Math.abs(want[i])),
    );
  }
}

describe('tiny-gpt2 against its expected.json', () => {
  beforeAll(useCpuBackend);

  it('reproduces the logits at the first and last positions and the next-token log-probs', () => {
    const model = loadHfModel(assetPath('fixtures', 'tiny-gpt2'));
    expect(model.config).toMatchObject({
      architecture: 'gpt2',
      vocabSize: 96,
      hiddenSize: 32,
      numLayers: 2,
      intermediateSize: 128,
    });
    const c_attn = model.parameters.find((p) => p.name === 'h.0.attn.c_attn.weight')!;
    expect([c_attn.variable.shape, c_attn.group, c_attn.layer, c_attn.outputAxis]).toEqual([
      [32, 96],
      'attention',
      0,
      1,
    ]);
    const ids = tf.tensor2d([expected.token_ids], undefined, 'int32');
    const logits = model.logits(ids);
    const values = logits.dataSync();
    const V = 96;
    close(Array.from(values.slice(0, 8)), expected.logits_pos0_first8, 1e-4);
    close(
      Array.from(values.slice(values.length - V, values.length - V + 8)),
      expected.logits_last_first8,
      1e-4,
    );
    const logps = model.tokenLogProbs(ids);
    close(Array.from(logps.dataSync()).slice(1), expected.next_token_logprobs, 1e-4);
    tf.dispose([ids, logits, logps]);
    model.dispose();
  });
});

describe('GPT-2 tokenizer.json', () => {
  it('encodes "Hello world" as [15496, 995] and decodes it back', () => {
    const tokenizer = HfTokenizer.fromFile(assetPath('gpt2-tokenizer-json', 'tokenizer.json'), {
      bosTokenId: 50256,
      eosTokenId: 50256,
    });
    expect(tokenizer.vocabSize).toBe(50257);
    expect(tokenizer.encode('Hello world')).toEqual([15496, 995]);
    expect(tokenizer.decode([15496, 995])).toBe('Hello world');
    expect([tokenizer.bosId, tokenizer.eosId]).toEqual([50256, 50256]);
  });
});
