import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { createModel } from '@allo/model';
import { useCpuBackend } from '@allo/core/testing';

import {
  AdamW,
  benchStepModel,
  causalLmStepModel,
  disposeBatch,
  dpoStep,
  randomBatch,
} from './dpo-step.js';
import { copyWeights, createBenchModel } from './llama.js';

const config = { layers: 1, dModel: 16, heads: 2, vocab: 32, seq: 8, ffn: 64 };

describe('bench DPO step', () => {
  it.each(['twin', 'allo'])(
    '%s model: first loss is ln 2 (policy = reference), then the loss falls, tensor count flat',
    async (kind) => {
      await useCpuBackend();
      let policy;
      let reference;
      if (kind === 'twin') {
        const p = createBenchModel(config, 1);
        const r = createBenchModel(config, 1, false);
        copyWeights(p, r);
        [policy, reference] = [benchStepModel(p), benchStepModel(r)];
      } else {
        const model = createModel(
          {
            architecture: 'llama',
            vocabSize: 32,
            hiddenSize: 16,
            numLayers: 1,
            numHeads: 2,
            numKvHeads: 2,
            intermediateSize: 64,
            maxPositions: 8,
            tieWordEmbeddings: false,
            bosTokenId: null,
            eosTokenId: null,
          },
          { seed: 1 },
        );
        [policy, reference] = [
          causalLmStepModel(model),
          causalLmStepModel(model.clone('reference')),
        ];
      }
      const optimizer = new AdamW(policy.params, 1e-2);
      const batch = randomBatch(2, 8, 32, 7);
      const first = dpoStep(policy, reference, batch, optimizer);
      expect(first).toBeCloseTo(Math.LN2, 6);
      const before = tf.memory().numTensors;
      let last = first;
      for (let i = 0; i < 3; i++) last = dpoStep(policy, reference, batch, optimizer);
      expect(tf.memory().numTensors).toBe(before);
      expect(last).toBeLessThan(first);
      optimizer.dispose();
      policy.dispose();
      reference.dispose();
      disposeBatch(batch);
    },
  );

  it('randomBatch marks the second half of each sequence as response and shifts labels by one', () => {
    const batch = randomBatch(1, 4, 10, 3);
    expect(batch.ids.shape).toEqual([2, 4]);
    expect(Array.from(batch.responseMask.dataSync())).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
    const ids = batch.ids.dataSync();
    const labels = batch.labels.dataSync();
    expect(labels[0]).toBe(ids[1]);
    expect(labels[4]).toBe(ids[5]);
    disposeBatch(batch);
  });
});
