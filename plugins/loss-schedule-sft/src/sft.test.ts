import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { EventBus, assetPath, createLogger, runSchedule, tokenizePair } from '@allo/core';
import type { NeuronSelector, TokenScorer, TokenizedPair } from '@allo/core';
import { pluginContract, useCpuBackend } from '@allo/core/testing';
import { loadLlama2c } from '@allo/model';

import { sftSchedulePlugin, sftStages } from './sft.js';

pluginContract(sftSchedulePlugin, {
  valid: [{ reduction: 'sum' }, { steps: 5, lr: 1e-4 }],
  invalid: [
    { options: { reduction: 'max' }, path: 'schedule.options.reduction' },
    { options: { warmupRatio: 2 }, path: 'schedule.options.warmupRatio' },
  ],
});

describe('sftStages', () => {
  it('is one unmasked SFT stage on chosen responses', () => {
    const [stage] = sftStages({});
    expect(stage).toMatchObject({
      name: 'sft',
      init: 'reference',
      mask: { kind: 'all' },
      data: 'chosen',
      tokenWeights: false,
      discard: false,
    });
    expect(stage.objective).toEqual({ type: 'sft', reduction: 'mean' });
    expect(stage.optimizer.lr).toBe(1e-5);
  });
});

describe('the sft schedule on stories260K', () => {
  beforeAll(useCpuBackend);

  it('lowers the NLL of the chosen responses', async () => {
    const loaded = loadLlama2c(assetPath('stories260K', 'stories260K.bin'));
    const train = [
      {
        prompt: 'Tom had a red ball.',
        chosen: ' He gave it to the dog and the dog was happy.',
        rejected: ' He threw it.',
      },
      {
        prompt: 'The sun was shining.',
        chosen: ' The birds sang a song in the big green tree.',
        rejected: ' Nobody smiled.',
      },
    ].map(
      (s, i) =>
        tokenizePair(loaded.tokenizer, { id: `s${i}`, ...s }, { maxLength: 64 }) as TokenizedPair,
    );
    const unused = {
      needs: 'nothing',
      select: async () => {
        throw new Error('unmasked');
      },
      score: async () => [],
    } as unknown as NeuronSelector & TokenScorer;
    const events = new EventBus();
    const losses: number[] = [];
    events.on('step:end', (p) => losses.push(p.metrics.loss));
    const before = tf.memory().numTensors;
    const result = await runSchedule({
      policy: loaded.model,
      tokenizer: loaded.tokenizer,
      train,
      stages: sftStages({ steps: 2, lr: 3e-3, batchSize: 2, warmupRatio: 0 }),
      resolve: { neuronSelector: () => unused, tokenScorer: () => unused },
      events,
      logger: createLogger('sft-test'),
      seed: 4,
      runDir: null,
    });
    expect(losses[1]).toBeLessThan(losses[0]);
    result.final.dispose();
    expect(tf.memory().numTensors).toBe(before);
    loaded.model.dispose();
  });
});
