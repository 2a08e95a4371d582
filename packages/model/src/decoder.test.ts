import * as tf from '@tensorflow/tfjs-core';
import { assetPath, buildBatch, disposeBatch } from '@allo/core';
import type { CausalLM, ModelConfig } from '@allo/core';
import { useCpuBackend } from '@allo/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createModel } from './create.js';
import { loadHfModel } from './hf-directory.js';
import { loadLlama2cModel } from './llama2c-checkpoint.js';

const tinyLlama: ModelConfig = {
  architecture: 'llama',
  vocabSize: 40,
  hiddenSize: 16,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  intermediateSize: 24,
  maxPositions: 32,
  tieWordEmbeddings: false,
  bosTokenId: 1,
  eosTokenId: 2,
};

/** Greedy decoding by full recomputation: one logits() call over the whole sequence per token. */
function greedyByRecomputation(
  model: CausalLM,
  prompt: number[],
  steps: number,
  stops: number[],
): number[] {
  const sequence = [...prompt];
  const out: number[] = [];
  for (let s = 0; s < steps; s += 1) {
    const ids = tf.tensor2d([sequence], undefined, 'int32');
    const logits = model.logits(ids);
    const V = model.config.vocabSize;
    const last = logits.dataSync().slice((sequence.length - 1) * V, sequence.length * V);
    tf.dispose([ids, logits]);
    let best = 0;
    for (let i = 1; i < V; i += 1) if (last[i] > last[best]) best = i;
    if (stops.includes(best)) break;
    out.push(best);
    sequence.push(best);
  }
  return out;
}

describe.each([
  ['stories260K (llama, GQA)', () => loadLlama2cModel(assetPath('stories260K', 'stories260K.bin'))],
  ['tiny-gpt2', () => loadHfModel(assetPath('fixtures', 'tiny-gpt2'))],
])('%s', (_, load) => {
  let model: CausalLM;
  beforeAll(async () => {
    await useCpuBackend();
    model = load();
  });
  afterAll(() => model.dispose());

  it('generates with the KV cache exactly what full recomputation gives, batched prompts of different lengths', () => {
    const prompts = [[1, 403, 407, 261], [1], [1, 385, 328]].map((p) =>
      p.map((id) => id % model.config.vocabSize),
    );
    const result = model.generate(prompts, { maxNewTokens: 20, temperature: 0, stopIds: [] });
    prompts.forEach((prompt, b) => {
      expect(result.tokens[b]).toHaveLength(20);
      expect(result.tokens[b]).toEqual(greedyByRecomputation(model, prompt, 20, []));
    });
    expect(result.finish).toEqual(['length', 'length', 'length']);
  });

  it('gives a sequence the same log-probs alone and in a right-padded batch with longer sequences', () => {
    const short = { promptIds: [1, 5, 9], responseIds: [12, 2] };
    const rows = [
      { promptIds: [1, 7, 8, 9, 10], responseIds: [11, 12, 13, 14, 2] },
      short,
      { promptIds: [1, 3], responseIds: [4, 5, 6, 2] },
    ];
    const alone = buildBatch([short], 0);
    const batch = buildBatch(rows, 0);
    const a = model.tokenLogProbs(alone.ids, alone.attentionMask);
    const b = model.tokenLogProbs(batch.ids, batch.attentionMask);
    const aloneValues = Array.from(a.dataSync());
    const row = Array.from(b.dataSync()).slice(batch.ids.shape[1], batch.ids.shape[1] + 5);
    for (let t = 0; t < 5; t += 1) expect(Math.abs(row[t] - aloneValues[t])).toBeLessThan(1e-5);
    expect(aloneValues.slice(1).every((v) => v < 0)).toBe(true);
    tf.dispose([a, b]);
    disposeBatch(alone);
    disposeBatch(batch);
  });

  it('gives a prompt the same next-token logits and log-probs alone and left-padded in a batch', () => {
    const alone = tf.tensor2d([[1, 5, 9]], undefined, 'int32');
    const padded = tf.tensor2d(
      [
        [0, 0, 1, 5, 9],
        [1, 7, 8, 9, 10],
      ],
      undefined,
      'int32',
    );
    const mask = tf.tensor2d([
      [0, 0, 1, 1, 1],
      [1, 1, 1, 1, 1],
    ]);
    const a = model.logits(alone);
    const b = model.logits(padded, mask);
    const V = model.config.vocabSize;
    const want = a.dataSync().slice(2 * V, 3 * V);
    const got = b.dataSync().slice(4 * V, 5 * V);
    for (let i = 0; i < V; i += 1) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-4);
    const la = model.tokenLogProbs(alone);
    const lb = model.tokenLogProbs(padded, mask);
    const left = Array.from(lb.dataSync()).slice(0, 5);
    expect(left.slice(0, 3).map(Math.abs)).toEqual([0, 0, 0]);
    const aloneLogps = la.dataSync();
    for (let t = 1; t < 3; t += 1) expect(Math.abs(left[2 + t] - aloneLogps[t])).toBeLessThan(1e-5);
    tf.dispose([alone, padded, mask, a, b, la, lb]);
  });

  it('samples deterministically: the same seed gives the same tokens, top-p 0 acts greedily', () => {
    const options = { maxNewTokens: 12, temperature: 1, topP: 0.9, stopIds: [] as number[] };
    const first = model.generate([[1], [1, 5]], { ...options, seed: 7 });
    const again = model.generate([[1], [1, 5]], { ...options, seed: 7 });
    expect(again.tokens).toEqual(first.tokens);
    const nucleus = model.generate([[1]], {
      maxNewTokens: 8,
      temperature: 1,
      topP: 1e-9,
      seed: 3,
      stopIds: [],
    });
    const greedy = model.generate([[1]], { maxNewTokens: 8, temperature: 0, stopIds: [] });
    expect(nucleus.tokens).toEqual(greedy.tokens);
  });

  it('stops at a stop id without emitting it, and at max new tokens', () => {
    const greedy = model.generate([[1]], { maxNewTokens: 6, temperature: 0, stopIds: [] });
    const stopAt = greedy.tokens[0][3];
    const stopped = model.generate([[1]], { maxNewTokens: 6, temperature: 0, stopIds: [stopAt] });
    expect(stopped.tokens[0]).toEqual(greedy.tokens[0].slice(0, greedy.tokens[0].indexOf(stopAt)));
    expect(stopped.finish).toEqual(['stop']);
  });
});

describe('training-side contract', () => {
  beforeAll(useCpuBackend);

  it('keeps the tensor count flat over 100 forward/backward calls and generation', () => {
    const model = createModel(tinyLlama, { seed: 1 });
    const batch = buildBatch(
      [
        { promptIds: [1, 3, 4], responseIds: [5, 6, 2] },
        { promptIds: [1, 8], responseIds: [9, 2] },
      ],
      0,
    );
    const variables = model.parameters.map((p) => p.variable);
    const step = () => {
      const { value, grads } = tf.variableGrads(
        () =>
          tf.neg(
            tf.sum(tf.mul(model.tokenLogProbs(batch.ids, batch.attentionMask), batch.lossMask)),
          ) as tf.Scalar,
        variables,
      );
      expect(Object.keys(grads)).toHaveLength(variables.length);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    model.generate([[1, 3], [1]], { maxNewTokens: 4, temperature: 1, seed: 2 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i += 1) step();
    model.generate([[1, 3], [1]], { maxNewTokens: 4, temperature: 1, seed: 2 });
    expect(tf.memory().numTensors).toBe(before);
    disposeBatch(batch);
    model.dispose();
  });

  it('exposes Hugging Face names, groups, layers and output axes', () => {
    const model = createModel(tinyLlama, { seed: 1 });
    expect(model.parameters).toHaveLength(1 + 2 * 9 + 1 + 1);
    const byName = new Map(model.parameters.map((p) => [p.name, p]));
    expect(byName.get('model.layers.1.self_attn.k_proj.weight')).toMatchObject({
      group: 'attention',
      layer: 1,
      outputAxis: 0,
    });
    expect(byName.get('model.layers.1.self_attn.k_proj.weight')!.variable.shape).toEqual([8, 16]);
    expect(byName.get('model.layers.0.mlp.down_proj.weight')!.variable.shape).toEqual([16, 24]);
    expect(byName.get('model.norm.weight')).toMatchObject({
      group: 'norm',
      layer: null,
      outputAxis: null,
    });
    expect(byName.get('lm_head.weight')).toMatchObject({
      group: 'head',
      layer: null,
      outputAxis: 0,
    });
    model.dispose();
  });

  it('creates the benchmark config deterministically from a seed', () => {
    const config: ModelConfig = {
      ...tinyLlama,
      vocabSize: 4096,
      hiddenSize: 256,
      numHeads: 4,
      numKvHeads: 4,
      intermediateSize: 704,
      maxPositions: 128,
      tieWordEmbeddings: true,
    };
    const a = createModel(config, { seed: 5 });
    const b = createModel(config, { seed: 5 });
    const count = a.parameters.reduce((n, p) => n + p.variable.size, 0);
    expect(count).toBe(4096 * 256 + 2 * (2 * 256 + 4 * 256 * 256 + 3 * 704 * 256) + 256);
    const wa = a.parameters[1 + 1].variable.dataSync();
    const wb = b.parameters[1 + 1].variable.dataSync();
    expect(Array.from(wa.slice(0, 16))).toEqual(Array.from(wb.slice(0, 16)));
    a.dispose();
    b.dispose();
  });

  it('clones into fresh variables and copies weights back', () => {
    const model = createModel(tinyLlama, { seed: 1 });
    const other = createModel(tinyLlama, { seed: 2 });
    const copy = model.clone('copy');
    const ids = tf.tensor2d([[1, 4, 6, 8]], undefined, 'int32');
    const want = model.logits(ids);
    copy.parameters[0].variable.assign(tf.zerosLike(copy.parameters[0].variable));
    const original = model.logits(ids);
    expect(Array.from(original.dataSync())).toEqual(Array.from(want.dataSync()));
    other.copyWeightsFrom(model);
    const copied = other.logits(ids);
    expect(Array.from(copied.dataSync())).toEqual(Array.from(want.dataSync()));
    tf.dispose([ids, want, original, copied]);
    [model, other, copy].forEach((m) => m.dispose());
  });
});
