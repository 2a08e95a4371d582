import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  EventBus,
  assetPath,
  createLogger,
  runSchedule,
  tokenizePair,
  weightsOf,
} from '@allo/core';
import type { LoadedModel, Metrics, ParameterMask, TokenizedPair } from '@allo/core';
import { pluginContract, testContext, useCpuBackend } from '@allo/core/testing';
import { loadLlama2c } from '@allo/model';
import { createUpdateMagnitudeSelector } from '@allo/neuron-selector-update-magnitude';
import { createImplicitRewardScorer } from '@allo/token-scorer-implicit-reward';

import { alloSchedulePlugin, alloStages } from './allo.js';

pluginContract(alloSchedulePlugin, {
  valid: [
    { warmup: { steps: 3 } },
    { learning: { eps: 0.5, lr: 1e-4 }, reduction: 'mean', optimizer: { schedule: 'linear' } },
  ],
  invalid: [
    { options: { learning: { eps: 2 } }, path: 'schedule.options.learning.eps' },
    { options: { forgetting: { lr: 0 } }, path: 'schedule.options.forgetting.lr' },
    { options: { warmup: { batchSize: 0 } }, path: 'schedule.options.warmup.batchSize' },
    { options: { optimizer: { schedule: 'step' } }, path: 'schedule.options.optimizer.schedule' },
  ],
});

describe('alloStages', () => {
  it('lays out warmup → forgetting → learning with the paper defaults', () => {
    const [warmup, forgetting, learning] = alloStages({});
    expect([warmup.name, forgetting.name, learning.name]).toEqual([
      'warmup',
      'forgetting',
      'learning',
    ]);
    expect(warmup).toMatchObject({
      init: 'reference',
      discard: true,
      mask: { kind: 'all' },
      data: 'pairs',
      epochs: 1,
      steps: 0,
    });
    expect(warmup.objective).toEqual({
      type: 'dpo',
      beta: 0.1,
      variant: 'sigmoid',
      labelSmoothing: 0,
      reduction: 'sum',
    });
    expect(warmup.optimizer).toEqual({
      lr: 1e-6,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      maxGradNorm: 1,
      warmupRatio: 0.1,
      schedule: 'cosine',
    });
    expect(forgetting).toMatchObject({
      init: 'reference',
      reference: 'initial',
      tokenWeights: true,
      data: 'rejected',
      discard: false,
    });
    expect(forgetting.mask).toEqual({ kind: 'selector', warmupStage: 'warmup' });
    expect(forgetting.objective).toEqual({ type: 'npo', beta: 0.1 });
    expect(forgetting.optimizer.lr).toBe(5e-7);
    expect(learning).toMatchObject({
      init: 'previous',
      reference: 'start',
      data: 'pairs',
      mask: { kind: 'selector', warmupStage: 'warmup' },
    });
    expect(learning.objective).toEqual({
      type: 'key-token-dpo',
      beta: 0.1,
      eps: 0.1,
      reduction: 'sum',
    });
    expect(learning.optimizer.lr).toBe(5e-6);
  });

  it('takes per-stage overrides and keeps the other defaults', () => {
    const [warmup, forgetting, learning] = alloStages({
      forgetting: { steps: 7, beta: 0.2 } as never,
      learning: { eps: 0.3 } as never,
    });
    expect(forgetting.steps).toBe(7);
    expect(forgetting.objective).toEqual({ type: 'npo', beta: 0.2 });
    expect(forgetting.optimizer.lr).toBe(5e-7);
    expect(learning.objective).toMatchObject({ eps: 0.3, beta: 0.1 });
    expect(warmup.steps).toBe(0);
  });
});

const STORIES = [
  {
    prompt: 'Once upon a time, there was a little girl named Lily.',
    chosen: ' She loved to play outside in the park.',
    rejected: " She was sad and didn't know what to do.",
  },
  {
    prompt: 'Tom had a red ball.',
    chosen: ' He liked to play with it every day.',
    rejected: ' He threw it at the dog and laughed.',
  },
  {
    prompt: 'The sun was shining.',
    chosen: ' The birds sang a happy song.',
    rejected: ' It was a bad day and nobody smiled.',
  },
];

function storyPairs(tokenizer: LoadedModel['tokenizer']): TokenizedPair[] {
  return STORIES.map(
    (s, i) =>
      tokenizePair(tokenizer, { id: `story-${i}`, ...s }, { maxLength: 64 }) as TokenizedPair,
  );
}

describe('the allo schedule on stories260K', () => {
  beforeAll(useCpuBackend);

  it("lowers each stage's training loss and leaves every element outside each mask bit-identical", async () => {
    const loaded = loadLlama2c(assetPath('stories260K', 'stories260K.bin'));
    const train = storyPairs(loaded.tokenizer);
    const fast = { lr: 2e-3, batchSize: 3, warmupRatio: 0 };
    const stages = alloStages({
      warmup: { ...fast, lr: 1e-3, steps: 2 } as never,
      forgetting: { ...fast, steps: 2 } as never,
      learning: { ...fast, steps: 2, eps: 0.3 } as never,
      optimizer: {
        betas: [0.9, 0.999],
        eps: 1e-8,
        weightDecay: 0,
        maxGradNorm: 1,
        schedule: 'constant',
      },
    });
    const context = testContext();
    const selector = createUpdateMagnitudeSelector(
      {
        ratio: 0.05,
        exclude: 0,
        tensors: 'all',
        embeddings: 'include',
        norms: 'include',
        granularity: 'element',
      },
      context,
    );
    const scorer = createImplicitRewardScorer(
      { mode: 'top-q', q: 0.5, temperature: 0.1, batchSize: 4 },
      context,
    );
    const events = new EventBus();
    const losses = new Map<string, number[]>();
    events.on('step:end', (p) =>
      losses.set(p.stage, [...(losses.get(p.stage) ?? []), p.metrics.loss]),
    );
    const snapshots = new Map<string, [Map<string, Float32Array>, ParameterMask | null]>();
    const initial = weightsOf(loaded.model.parameters);
    const before = tf.memory().numTensors;

    const result = await runSchedule({
      policy: loaded.model,
      tokenizer: loaded.tokenizer,
      train,
      stages,
      resolve: { neuronSelector: () => selector, tokenScorer: () => scorer },
      events,
      logger: createLogger('allo-test'),
      seed: 1,
      runDir: null,
      onStageEnd: async (stage, model, mask) => {
        snapshots.set(stage.name, [weightsOf(model.parameters), mask]);
      },
    });

    for (const name of ['warmup', 'forgetting', 'learning']) {
      const l = losses.get(name)!;
      expect(l[l.length - 1], `${name} loss ${l.join(', ')}`).toBeLessThan(l[0]);
    }
    expect(losses.get('warmup')![0]).toBeCloseTo(Math.LN2, 5);
    expect(losses.get('learning')![0]).toBeCloseTo(Math.LN2, 5);

    const unchangedOutside = (
      start: Map<string, Float32Array>,
      end: Map<string, Float32Array>,
      mask: ParameterMask,
    ) => {
      let outside = 0;
      let moved = 0;
      for (const [name, values] of end) {
        const keep = new Uint8Array(values.length);
        for (const i of mask.tensors.get(name)?.indices ?? []) keep[i] = 1;
        const s = start.get(name)!;
        for (let i = 0; i < values.length; i += 1) {
          if (keep[i] === 1) moved += values[i] !== s[i] ? 1 : 0;
          else if (Object.is(values[i], s[i])) outside += 1;
          else throw new Error(`${name}[${i}] moved outside the mask: ${s[i]} → ${values[i]}`);
        }
      }
      return { outside, moved };
    };
    const [forgetWeights, forgetMask] = snapshots.get('forgetting')!;
    const [learnWeights, learnMask] = snapshots.get('learning')!;
    const f = unchangedOutside(initial, forgetWeights, forgetMask!);
    expect(f.outside).toBe(forgetMask!.total - forgetMask!.selected);
    expect(f.moved).toBeGreaterThan(0);
    const l = unchangedOutside(forgetWeights, learnWeights, learnMask!);
    expect(l.outside).toBe(learnMask!.total - learnMask!.selected);
    expect(forgetMask!.share).toBeCloseTo(0.05, 3);
    expect(result.stages.map((s) => [s.name, s.steps])).toEqual([
      ['warmup', 2],
      ['forgetting', 2],
      ['learning', 2],
    ]);
    const metrics: Metrics = result.stages[2].metrics;
    expect(metrics['mask/share']).toBeCloseTo(0.05, 3);

    result.final.dispose();
    expect(tf.memory().numTensors).toBe(before);
    loaded.model.dispose();
  });
});
