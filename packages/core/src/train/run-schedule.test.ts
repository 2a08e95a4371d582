import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EventBus, createLogger, isAlloError } from '@allo/core';
import type {
  NeuronSelector,
  ObjectiveSpec,
  ParameterMask,
  SelectorInput,
  StageSpec,
  TokenScoreInput,
  TokenScorer,
  TokenizedPair,
} from '@allo/core';
import { useCpuBackend } from '@allo/core/testing';

import { evaluatePairs, klToReference } from './evaluate.js';
import { weightsOf } from './logps.js';
import { ReferenceCache } from './reference-cache.js';
import { runSchedule } from './run-schedule.js';
import type { TrainingInputs } from './run-schedule.js';
import { rowsOf } from './stage-objective.js';
import { createTinyLM, tinyTokenizer } from './tiny-lm.js';

const tokenizer = tinyTokenizer();
const pairs: TokenizedPair[] = [
  { id: 'p0', promptIds: [1, 4, 5], chosenIds: [6, 7, 2], rejectedIds: [8, 9, 10, 2] },
  { id: 'p1', promptIds: [1, 5], chosenIds: [7, 6, 6, 2], rejectedIds: [11, 2] },
  { id: 'p2', promptIds: [1, 12, 13, 4], chosenIds: [6, 2], rejectedIds: [14, 15, 2] },
  { id: 'p3', promptIds: [1, 7], chosenIds: [7, 7, 2], rejectedIds: [9, 9, 9, 9, 2] },
];

const dpo: ObjectiveSpec = {
  type: 'dpo',
  beta: 0.1,
  variant: 'sigmoid',
  labelSmoothing: 0,
  reduction: 'sum',
};

function stage(name: string, overrides: Partial<StageSpec> = {}): StageSpec {
  return {
    name,
    objective: dpo,
    init: 'reference',
    reference: 'initial',
    mask: { kind: 'all' },
    tokenWeights: false,
    data: 'pairs',
    optimizer: {
      lr: 0.05,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      maxGradNorm: 1,
      warmupRatio: 0,
      schedule: 'constant',
    },
    steps: 6,
    epochs: 1,
    batchSize: 2,
    discard: false,
    ...overrides,
  };
}

/** Keeps every 10th element of each tensor; records what it was given. */
function stripeSelector(seen: SelectorInput[] = []): NeuronSelector {
  return {
    needs: 'warmup',
    async select(input) {
      seen.push(input);
      const tensors = new Map();
      let selected = 0;
      let total = 0;
      for (const p of input.parameters) {
        const indices = Int32Array.from(
          { length: Math.ceil(p.variable.size / 10) },
          (_, i) => i * 10,
        );
        tensors.set(p.name, { name: p.name, size: p.variable.size, indices });
        selected += indices.length;
        total += p.variable.size;
      }
      return { tensors, selected, total, share: selected / total };
    },
  };
}

const emptySelector: NeuronSelector = {
  needs: 'nothing',
  async select(input) {
    const tensors = new Map(
      input.parameters.map((p) => [
        p.name,
        { name: p.name, size: p.variable.size, indices: new Int32Array(0) },
      ]),
    );
    return {
      tensors,
      selected: 0,
      total: input.parameters.reduce((s, p) => s + p.variable.size, 0),
      share: 0,
    };
  },
};

function halfScorer(seen: TokenScoreInput[] = []): TokenScorer {
  return {
    needs: 'warmup',
    async score(input) {
      seen.push(input);
      return input.pairs.map((p, i) =>
        Float32Array.from(p.rejectedIds, (_, t) => (i === 1 ? 0 : t % 2 === 0 ? 1 : 0.5)),
      );
    },
  };
}

function inputs(
  stages: StageSpec[],
  overrides: Partial<TrainingInputs> = {},
): TrainingInputs & { policy: ReturnType<typeof createTinyLM> } {
  return {
    policy: createTinyLM({ seed: 3 }),
    tokenizer,
    train: pairs,
    stages,
    resolve: { neuronSelector: () => stripeSelector(), tokenScorer: () => halfScorer() },
    events: new EventBus(),
    logger: createLogger('test'),
    seed: 7,
    runDir: null,
    ...overrides,
  };
}

function collect(events: EventBus): Array<[string, any]> {
  const seen: Array<[string, any]> = [];
  events.onAny((name, payload) => seen.push([name, payload]));
  return seen;
}

const dirs: string[] = [];
beforeAll(useCpuBackend);
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('runSchedule', () => {
  it('runs a DPO stage: ln 2 at step 0, loss falls, events in order, no tensor left', async () => {
    const before = tf.memory().numTensors;
    const run = inputs([stage('dpo')]);
    const seen = collect(run.events);
    const result = await runSchedule(run);
    const steps = seen.filter(([n]) => n === 'step:end').map(([, p]) => p);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(steps[0].metrics.loss).toBeCloseTo(Math.LN2, 6);
    expect(steps[0].metrics.grad_norm).toBeGreaterThan(0);
    expect(steps[5].metrics.loss).toBeLessThan(steps[0].metrics.loss - 0.05);
    expect(seen.map(([n]) => n)).toEqual([
      'stage:start',
      ...new Array(6).fill('step:end'),
      'stage:end',
    ]);
    expect(result.stages).toHaveLength(1);
    expect(result.stages[0].steps).toBe(6);
    expect(result.stages[0].metrics['mask/share']).toBe(1);
    expect(result.interrupted).toBe(false);
    result.final.dispose();
    run.policy.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives bit-identical metrics for the same seed and different batches for another seed', async () => {
    const losses = async (seed: number) => {
      const run = inputs([stage('dpo', { steps: 4 })], { seed });
      const seen = collect(run.events);
      const result = await runSchedule(run);
      result.final.dispose();
      run.policy.dispose();
      return seen.filter(([n]) => n === 'step:end').map(([, p]) => p.metrics.loss);
    };
    const a = await losses(7);
    expect(await losses(7)).toEqual(a);
    expect(await losses(8)).not.toEqual(a);
  });

  it('runs warm-up → masked NPO → masked key-token DPO; outside each mask nothing moves', async () => {
    const before = tf.memory().numTensors;
    const selectorSeen: SelectorInput[] = [];
    const scorerSeen: TokenScoreInput[] = [];
    const ended: Array<[string, Map<string, Float32Array>, ParameterMask | null]> = [];
    const run = inputs(
      [
        stage('warmup', { discard: true, steps: 2 }),
        stage('forgetting', {
          objective: { type: 'npo', beta: 0.1 },
          data: 'rejected',
          tokenWeights: true,
          batchSize: 4,
          mask: { kind: 'selector', warmupStage: 'warmup' },
        }),
        stage('learning', {
          objective: { type: 'key-token-dpo', beta: 0.1, eps: 0.5, reduction: 'sum' },
          init: 'previous',
          reference: 'start',
          mask: { kind: 'selector', warmupStage: 'warmup' },
        }),
      ],
      {
        resolve: {
          neuronSelector: () => stripeSelector(selectorSeen),
          tokenScorer: () => halfScorer(scorerSeen),
        },
        onStageEnd: async (s, model, mask) => {
          ended.push([s.name, weightsOf(model.parameters), mask]);
        },
      },
    );
    const seen = collect(run.events);
    const initial = weightsOf(run.policy.parameters);
    const result = await runSchedule(run);

    expect(ended.map(([n]) => n)).toEqual(['warmup', 'forgetting', 'learning']);
    expect(selectorSeen).toHaveLength(2);
    for (const [name, values] of selectorSeen[0].before) expect(values).toEqual(initial.get(name));
    for (const [name, values] of selectorSeen[0].after!)
      expect(values).toEqual(ended[0][1].get(name));
    expect(scorerSeen[0].response).toBe('rejected');
    expect(scorerSeen[0].warmup).toBeDefined();

    // Forgetting starts from the reference (warm-up discarded); learning from the forgetting result.
    const outsideIdentical = (
      start: Map<string, Float32Array>,
      end: Map<string, Float32Array>,
      mask: ParameterMask,
    ) => {
      let moved = 0;
      for (const [name, values] of end) {
        const keep = new Set(mask.tensors.get(name)!.indices);
        const s = start.get(name)!;
        for (let i = 0; i < values.length; i += 1) {
          if (!keep.has(i)) expect(Object.is(values[i], s[i])).toBe(true);
          else if (values[i] !== s[i]) moved += 1;
        }
      }
      return moved;
    };
    expect(outsideIdentical(initial, ended[1][1], ended[1][2]!)).toBeGreaterThan(0);
    expect(outsideIdentical(ended[1][1], ended[2][1], ended[2][2]!)).toBeGreaterThan(0);

    const steps = (name: string) =>
      seen.filter(([n, p]) => n === 'step:end' && p.stage === name).map(([, p]) => p.metrics);
    // One batch of all 4 pairs; pair p1's weights are all zero: (4 + 0 + 3 + 5) / 4 weighted tokens.
    expect(steps('forgetting')[0]['tokens/selected']).toBe(3);
    // Learning's reference is its own start: step 0 has every ratio 0, so all tokens are kept.
    expect(steps('learning')[0].loss).toBeCloseTo(Math.LN2, 6);
    expect(seen.filter(([n]) => n === 'select:end').map(([, p]) => p.stage)).toEqual([
      'forgetting',
      'learning',
    ]);
    const shares = seen.filter(([n]) => n === 'stage:start').map(([, p]) => p.maskShare);
    expect(shares[0]).toBeNull();
    expect(shares[1]).toBeGreaterThan(0.09);
    expect(shares[1]).toBeLessThan(0.2);

    const finalWeights = weightsOf(result.final.parameters);
    for (const [name, values] of finalWeights) expect(values).toEqual(ended[2][1].get(name));
    result.final.dispose();
    run.policy.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('changes no parameter under a mask with no selected element', async () => {
    const run = inputs([stage('dpo', { mask: { kind: 'selector' } })], {
      resolve: { neuronSelector: () => emptySelector, tokenScorer: () => halfScorer() },
    });
    const initial = weightsOf(run.policy.parameters);
    const result = await runSchedule(run);
    for (const [name, values] of weightsOf(result.final.parameters)) {
      const s = initial.get(name)!;
      values.forEach((v, i) => expect(Object.is(v, s[i])).toBe(true));
    }
    expect(result.stages[0].metrics['mask/share']).toBe(0);
    result.final.dispose();
    run.policy.dispose();
  });

  it('hands gradient selectors per-batch gradients of the preference loss at the start weights', async () => {
    const visits: Array<Map<string, number>> = [];
    const gradientSelector: NeuronSelector = {
      needs: 'gradients',
      async select(input) {
        expect(input.after).toBeUndefined();
        await input.gradients!(3, (grads) =>
          visits.push(
            new Map([...grads].map(([name, g]) => [name, g.reduce((a, x) => a + Math.abs(x), 0)])),
          ),
        );
        return stripeSelector().select(input);
      },
    };
    const run = inputs([stage('dpo', { steps: 2, mask: { kind: 'selector' } })], {
      resolve: { neuronSelector: () => gradientSelector, tokenScorer: () => halfScorer() },
    });
    const before = tf.memory().numTensors;
    const result = await runSchedule(run);
    expect(visits).toHaveLength(3);
    expect([...visits[0].keys()]).toEqual(run.policy.parameters.map((p) => p.name));
    expect(visits[0].get('lm_head.weight')).toBeGreaterThan(0);
    result.final.dispose();
    expect(tf.memory().numTensors).toBe(before);
    run.policy.dispose();
  });

  it('stops after the current step when the signal aborts', async () => {
    const controller = new AbortController();
    const run = inputs([stage('a'), stage('b')], { signal: controller.signal });
    run.events.on('step:end', (p) => p.step === 2 && controller.abort());
    const before = tf.memory().numTensors;
    const result = await runSchedule(run);
    expect(result.interrupted).toBe(true);
    expect(result.stages).toEqual([]);
    result.final.dispose();
    run.policy.dispose();
    expect(tf.memory().numTensors).toBe(before - run.policy.parameters.length);
  });

  it('fails with TRAINING_FAILED on a non-finite loss, leaving no tensor', async () => {
    const run = inputs([
      stage('sft', { objective: { type: 'sft', reduction: 'mean' }, data: 'chosen' }),
    ]);
    const head = run.policy.parameters.find((p) => p.name === 'lm_head.weight')!;
    head.variable.assign(tf.fill(head.variable.shape, NaN));
    const before = tf.memory().numTensors;
    const error = await runSchedule(run).catch((e) => e);
    expect(isAlloError(error, 'TRAINING_FAILED')).toBe(true);
    expect(error.message).toContain('stage "sft": step 1: the loss is NaN');
    expect(tf.memory().numTensors).toBe(before);
    run.policy.dispose();
  });

  it('trains SFT on unpaired targets alone, and refuses a DPO stage with no pair', async () => {
    const sft = [{ id: 't0', promptIds: [1, 4], responseIds: [5, 6, 2] }];
    const run = inputs(
      [stage('sft', { objective: { type: 'sft', reduction: 'mean' }, data: 'chosen', steps: 2 })],
      { train: [], sft },
    );
    const seen = collect(run.events);
    const result = await runSchedule(run);
    expect(seen.find(([n]) => n === 'step:end')![1].tokens).toBe(5);
    result.final.dispose();
    const before = tf.memory().numTensors;
    const error = await runSchedule({ ...run, stages: [stage('dpo')] }).catch((e) => e);
    expect(isAlloError(error, 'DATA_EMPTY')).toBe(true);
    expect(error.message).toBe(
      'stage "dpo": no training example (pairs); the dataset produced no usable row for it after tokenisation',
    );
    expect(tf.memory().numTensors).toBe(before);
    run.policy.dispose();
  });

  it('lowers the SFT loss', async () => {
    const run = inputs([
      stage('sft', {
        objective: { type: 'sft', reduction: 'mean' },
        data: 'chosen',
        steps: 8,
        batchSize: 4,
      }),
    ]);
    const seen = collect(run.events);
    const result = await runSchedule(run);
    const losses = seen.filter(([n]) => n === 'step:end').map(([, p]) => p.metrics.loss);
    // All four (prompt + chosen) rows: 6 + 6 + 6 + 5 tokens.
    expect(seen.find(([n]) => n === 'step:end')![1].tokens).toBe(23);
    expect(losses[7]).toBeLessThan(losses[0] * 0.9);
    result.final.dispose();
    run.policy.dispose();
  });
});

describe('ReferenceCache', () => {
  it('writes <runDir>/cache/ref-logps-<fingerprint>.json and reuses it in a second run', async () => {
    const runDir = mkdtempSync(path.join(tmpdir(), 'allo-ref-'));
    dirs.push(runDir);
    const model = createTinyLM({ seed: 5 });
    const rows = rowsOf(pairs, 'chosen');
    const first = await new ReferenceCache(runDir).get(model, rows, tokenizer, 2);
    expect(first.source).toBe('computed');
    expect(readdirSync(path.join(runDir, 'cache'))).toEqual([
      `ref-logps-${first.fingerprint}.json`,
    ]);
    const fresh = new ReferenceCache(runDir);
    const second = await fresh.get(model, rows, tokenizer, 2);
    expect(second.source).toBe('disk');
    expect(second.logps).toEqual(first.logps);
    expect((await fresh.get(model, rows, tokenizer, 2)).source).toBe('memory');
    expect(second.logps.map((l) => l.length)).toEqual([3, 4, 2, 3]);
    // Another model, other rows or other tokenizer settings: another fingerprint.
    const other = createTinyLM({ seed: 6 });
    expect((await fresh.get(other, rows, tokenizer, 2)).fingerprint).not.toBe(first.fingerprint);
    expect((await fresh.get(model, rowsOf(pairs, 'rejected'), tokenizer, 2)).fingerprint).not.toBe(
      first.fingerprint,
    );
    expect((await fresh.get(model, rows, { ...tokenizer, padId: 3 }, 2)).fingerprint).not.toBe(
      first.fingerprint,
    );
    model.dispose();
    other.dispose();
  });
});

describe('runSchedule with a run directory', () => {
  it('caches reference log-probs in <runDir>/cache and reuses them in a second run', async () => {
    const runDir = mkdtempSync(path.join(tmpdir(), 'allo-run-'));
    dirs.push(runDir);
    const schedule = [
      stage('warmup', { steps: 2, discard: true }),
      stage('npo', { objective: { type: 'npo', beta: 0.1 }, data: 'rejected', steps: 2 }),
    ];
    const once = async () => {
      const run = inputs(schedule, { runDir });
      const seen = collect(run.events);
      const result = await runSchedule(run);
      result.final.dispose();
      run.policy.dispose();
      return seen.filter(([n]) => n === 'step:end').map(([, p]) => p.metrics.loss);
    };
    const first = await once();
    const cacheDir = path.join(runDir, 'cache');
    // Chosen and rejected of the initial reference; the npo stage reuses the rejected ones.
    const files = readdirSync(cacheDir).sort();
    expect(files).toHaveLength(2);
    files.forEach((f) => expect(f).toMatch(/^ref-logps-[0-9a-f]{32}\.json$/));
    const mtimes = files.map((f) => statSync(path.join(cacheDir, f)).mtimeMs);
    expect(await once()).toEqual(first);
    expect(readdirSync(cacheDir).sort()).toEqual(files);
    expect(files.map((f) => statSync(path.join(cacheDir, f)).mtimeMs)).toEqual(mtimes);
  });
});

describe('evaluatePairs and klToReference', () => {
  it('gives zero rewards against itself and the hand-summed NLL; KL of a model to itself is 0', async () => {
    const model = createTinyLM({ seed: 9 });
    const reference = model.clone();
    const metrics = await evaluatePairs(model, reference, pairs, { beta: 0.1, batchSize: 3 });
    expect(metrics['rewards/margins']).toBe(0);
    expect(metrics['rewards/accuracies']).toBe(0);
    const ref = new ReferenceCache(null);
    const chosen = (await ref.get(model, rowsOf(pairs, 'chosen'), tokenizer, 4)).logps;
    const all = chosen.flatMap((l) => Array.from(l));
    expect(metrics['nll/chosen']).toBeCloseTo(-all.reduce((a, b) => a + b, 0) / 12, 5);
    expect(metrics['logps/chosen']).toBeCloseTo(all.reduce((a, b) => a + b, 0) / 4, 5);
    const before = tf.memory().numTensors;
    expect(
      await klToReference(
        model,
        reference,
        [
          [1, 4],
          [1, 5, 6],
        ],
        { samples: 2, maxNewTokens: 5, seed: 1 },
      ),
    ).toBe(0);
    await evaluatePairs(model, reference, pairs, { beta: 0.1, batchSize: 3 });
    expect(tf.memory().numTensors).toBe(before);
    reference.dispose();
    model.dispose();
  });

  it('reports a positive margin and accuracy after DPO, and a KL that matches a hand computation', async () => {
    const run = inputs([stage('dpo', { steps: 10 })]);
    const result = await runSchedule(run);
    const metrics = await evaluatePairs(result.final, run.policy, pairs, {
      beta: 0.1,
      batchSize: 4,
    });
    expect(metrics['rewards/margins']).toBeGreaterThan(0);
    expect(metrics['rewards/accuracies']).toBeGreaterThan(0.5);
    const prompts = [[1, 4]];
    const kl = await klToReference(result.final, run.policy, prompts, {
      samples: 1,
      maxNewTokens: 6,
      seed: 4,
    });
    const sample = result.final.generate(prompts, { maxNewTokens: 6, temperature: 1, seed: 4 })
      .tokens[0];
    const rows = [{ promptIds: prompts[0], responseIds: sample }];
    const cache = new ReferenceCache(null);
    const a = (await cache.get(result.final, rows, tokenizer, 1)).logps[0];
    const b = (await cache.get(run.policy, rows, tokenizer, 1)).logps[0];
    expect(kl).toBeCloseTo(
      a.reduce((s, x, i) => s + x - b[i], 0),
      5,
    );
    result.final.dispose();
    run.policy.dispose();
  });
});
