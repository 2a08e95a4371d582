// The implicit-reward scorer on the real stories260K: a warm-up that differs from the reference
// in two tensors, checked against log-ratios computed directly with tokenLogProbs.
import { assetPath, createLogger } from '@allo/core';
import type { LoadedModel, TokenizedPair } from '@allo/core';
import { leakedTensors, useCpuBackend } from '@allo/core/testing';
import { loadLlama2c } from '@allo/model';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createImplicitRewardScorer } from './implicit-reward.js';

let loaded: LoadedModel;
let warmup: LoadedModel['model'];
let pairs: TokenizedPair[];

beforeAll(async () => {
  await useCpuBackend();
  loaded = loadLlama2c(assetPath('stories260K', 'stories260K.bin'));
  warmup = loaded.model.clone('warm-up');
  // The same perturbation as the fixture's policy: layer 0 o_proj × 1.25, layer 4 down_proj × 0.8.
  for (const p of warmup.parameters) {
    if (p.name === 'model.layers.0.self_attn.o_proj.weight')
      p.variable.assign(tf.tidy(() => tf.mul(p.variable, 1.25)));
    if (p.name === 'model.layers.4.mlp.down_proj.weight')
      p.variable.assign(tf.tidy(() => tf.mul(p.variable, 0.8)));
  }
  const tok = loaded.tokenizer;
  pairs = [
    ['Once upon a time, there was a little girl.', 'She liked to play.', 'The sky ate a shoe.'],
    ['Tom saw a big dog.', 'He was happy.', 'Dog the was big sad the.'],
  ].map(([prompt, chosen, rejected], i) => ({
    id: `s${i}`,
    promptIds: [tok.bosId!, ...tok.encode(prompt)],
    chosenIds: [...tok.encode(chosen), tok.eosId!],
    rejectedIds: [...tok.encode(rejected), tok.eosId!],
  }));
});

afterAll(() => {
  warmup.dispose();
  loaded.model.dispose();
});

describe('implicit-reward on stories260K', () => {
  it('gives σ(−(log π_warm − log π_ref)/T) per rejected token, as tokenLogProbs gives them, leak-free', async () => {
    const scorer = createImplicitRewardScorer(
      { mode: 'sigmoid', q: 0.5, temperature: 0.05, batchSize: 2 },
      { logger: createLogger('test'), seed: 1, runDir: null, configDir: '.' },
    );
    const input = {
      pairs,
      response: 'rejected' as const,
      tokenizer: loaded.tokenizer,
      policy: loaded.model,
      reference: loaded.model,
      warmup,
    };
    // The first forward pass lets the model build its constant caches (RoPE tables); after it,
    // scoring must leave no tensor behind.
    const first = await scorer.score(input);
    let weights: Float32Array[] = [];
    expect(await leakedTensors(async () => (weights = await scorer.score(input)))).toBe(0);
    expect(weights.map((w) => Array.from(w))).toEqual(first.map((w) => Array.from(w)));
    let distinct = 0;
    for (const [b, pair] of pairs.entries()) {
      const ids = [...pair.promptIds, ...pair.rejectedIds];
      const x = tf.tensor2d(ids, [1, ids.length], 'int32');
      const warm = tf.tidy(() => warmup.tokenLogProbs(x));
      const ref = tf.tidy(() => loaded.model.tokenLogProbs(x));
      const w = warm.dataSync();
      const r = ref.dataSync();
      tf.dispose([x, warm, ref]);
      expect(weights[b].length).toBe(pair.rejectedIds.length);
      weights[b].forEach((got, t) => {
        const at = pair.promptIds.length + t;
        const ratio = w[at] - r[at];
        expect(got).toBeCloseTo(1 / (1 + Math.exp(ratio / 0.05)), 4);
        if (Math.abs(got - 0.5) > 0.01) distinct += 1;
      });
    }
    // The perturbation moves the log-probs, so the weights are not all one half.
    expect(distinct).toBeGreaterThan(0);
  });
});
