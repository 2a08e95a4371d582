import { TOKEN_SCORER, createLogger, isAlloError } from '@allo/core';
import type { CausalLM, NamedParameter, PluginContext, TokenizedPair, Tokenizer } from '@allo/core';
import { leakedTensors, useCpuBackend } from '@allo/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { Ajv } from 'ajv';
import { container } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createImplicitRewardScorer,
  implicitRewardPlugin,
  topQWeights,
} from './implicit-reward.js';
import type { ImplicitRewardOptions } from './implicit-reward.js';

const V = 6;
const context: PluginContext = {
  logger: createLogger('test'),
  seed: 1,
  runDir: null,
  configDir: '.',
};
const validate = new Ajv({ formats: { path: true }, allErrors: true, useDefaults: true, strict: false }).compile(
  implicitRewardPlugin.optionsSchema,
);

function options(partial: Record<string, unknown> = {}): ImplicitRewardOptions {
  const o = { ...partial };
  if (!validate(o)) throw new Error(JSON.stringify(validate.errors));
  return o as unknown as ImplicitRewardOptions;
}

/** A bigram stand-in CausalLM: logits of the next token = row ids[t] of a [V, V] table. */
function bigram(table: number[]): CausalLM {
  const variable = tf.variable(tf.tensor2d(table, [V, V]));
  const parameters: NamedParameter[] = [
    { name: 'table', variable, group: 'head', layer: null, outputAxis: 0 },
  ];
  const logits = (ids: tf.Tensor2D) =>
    tf.tidy(
      () =>
        tf.reshape(tf.gather(variable, tf.reshape(ids, [-1])), [...ids.shape, V]) as tf.Tensor3D,
    );
  return {
    config: {
      architecture: 'llama',
      vocabSize: V,
      hiddenSize: V,
      numLayers: 0,
      numHeads: 1,
      numKvHeads: 1,
      intermediateSize: 0,
      maxPositions: 64,
      tieWordEmbeddings: false,
      bosTokenId: 1,
      eosTokenId: 2,
    },
    parameters,
    logits,
    tokenLogProbs: (ids) =>
      tf.tidy(() => {
        const [B, T] = ids.shape;
        const logp = tf.logSoftmax(
          tf.reshape(tf.slice(logits(ids), [0, 0, 0], [B, T - 1, V]), [B * (T - 1), V]),
        );
        const targets = tf.reshape(tf.slice(ids, [0, 1], [B, T - 1]), [-1]);
        const picked = tf.sum(tf.mul(logp, tf.cast(tf.oneHot(targets, V), 'float32')), 1);
        return tf.concat([tf.zeros([B, 1]), tf.reshape(picked, [B, T - 1])], 1) as tf.Tensor2D;
      }),
    generate: () => ({ tokens: [], finish: [] }),
    clone: () => bigram(Array.from(variable.dataSync())),
    copyWeightsFrom: () => undefined,
    dispose: () => variable.dispose(),
  };
}

function handLogProb(table: number[], prev: number, next: number): number {
  const row = table.slice(prev * V, prev * V + V);
  const max = Math.max(...row);
  return row[next] - max - Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
}

const tokenizer: Tokenizer = {
  vocabSize: V,
  bosId: 1,
  eosId: 2,
  padId: 0,
  encode: () => [],
  decode: () => '',
};
const REF = Array.from({ length: V * V }, (_, i) => Math.sin(i * 1.7) * 0.8);
const WARM = REF.map((x, i) => x + (i % 5 === 0 ? -0.6 : i % 3 === 0 ? 0.4 : 0.05 * Math.cos(i)));
const PAIRS: TokenizedPair[] = [
  { id: 'p0', promptIds: [1, 3, 4], chosenIds: [5, 3, 2], rejectedIds: [5, 4, 3, 5, 2] },
  { id: 'p1', promptIds: [1, 5], chosenIds: [3, 2], rejectedIds: [3, 5, 2] },
];

function handRatios(pair: TokenizedPair, response: number[]): number[] {
  const seq = [...pair.promptIds, ...response];
  return response.map((_, j) => {
    const t = pair.promptIds.length + j;
    return handLogProb(WARM, seq[t - 1], seq[t]) - handLogProb(REF, seq[t - 1], seq[t]);
  });
}

let reference: CausalLM;
let warmup: CausalLM;

beforeAll(async () => {
  await useCpuBackend();
  reference = bigram(REF);
  warmup = bigram(WARM);
});

afterAll(() => {
  reference.dispose();
  warmup.dispose();
});

describe('implicit-reward options', () => {
  it('fills defaults and rejects bad values', () => {
    expect(options()).toEqual({ mode: 'top-q', q: 0.5, temperature: 0.1, batchSize: 8 });
    expect(validate({ q: 0 })).toBe(false);
    expect(validate.errors![0]).toMatchObject({ instancePath: '/q', message: 'must be > 0' });
    expect(validate({ mode: 'softmax' })).toBe(false);
    expect(validate({ temperature: -1 })).toBe(false);
  });
});

describe('implicit-reward scorer', () => {
  it('weights 1 the top-q tokens by −(log π_warm − log π_ref) on rejected responses, hand-checked', async () => {
    const scorer = createImplicitRewardScorer(options({ q: 0.4, batchSize: 1 }), context);
    let weights: Float32Array[] = [];
    const leaked = await leakedTensors(async () => {
      weights = await scorer.score({
        pairs: PAIRS,
        response: 'rejected',
        tokenizer,
        policy: reference,
        reference,
        warmup,
      });
    });
    expect(leaked).toBe(0);
    PAIRS.forEach((pair, b) => {
      const ratios = handRatios(pair, pair.rejectedIds);
      const k = Math.max(1, Math.floor(0.4 * ratios.length));
      const order = ratios.map((r, t) => [-r, t]).sort((x, y) => y[0] - x[0]);
      const expected = new Array(ratios.length).fill(0);
      for (const [, t] of order.slice(0, k)) expected[t] = 1;
      expect(new Set(ratios).size).toBe(ratios.length);
      expect(Array.from(weights[b])).toEqual(expected);
      expect(weights[b].length).toBe(pair.rejectedIds.length);
    });
    // p0: 5 tokens → 2 weighted; p1: 3 tokens → floor(1.2) = 1.
    expect(weights.map((w) => w.reduce((s, x) => s + x, 0))).toEqual([2, 1]);
  });

  it('gives σ(−ratio / temperature) per token in sigmoid mode, and σ(+ratio / T) on chosen responses', async () => {
    const scorer = createImplicitRewardScorer(
      options({ mode: 'sigmoid', temperature: 0.5 }),
      context,
    );
    const rejected = await scorer.score({
      pairs: PAIRS,
      response: 'rejected',
      tokenizer,
      policy: reference,
      reference,
      warmup,
    });
    const chosen = await scorer.score({
      pairs: PAIRS,
      response: 'chosen',
      tokenizer,
      policy: reference,
      reference,
      warmup,
    });
    PAIRS.forEach((pair, b) => {
      handRatios(pair, pair.rejectedIds).forEach((r, t) =>
        expect(rejected[b][t]).toBeCloseTo(1 / (1 + Math.exp(r / 0.5)), 5),
      );
      handRatios(pair, pair.chosenIds).forEach((r, t) =>
        expect(chosen[b][t]).toBeCloseTo(1 / (1 + Math.exp(-r / 0.5)), 5),
      );
    });
  });

  it('keeps every token when all ratios tie (warm-up equal to the reference)', async () => {
    const scorer = createImplicitRewardScorer(options({ q: 0.1 }), context);
    const w = await scorer.score({
      pairs: PAIRS,
      response: 'rejected',
      tokenizer,
      policy: reference,
      reference,
      warmup: reference,
    });
    expect(w.map((x) => Array.from(x))).toEqual([
      [1, 1, 1, 1, 1],
      [1, 1, 1],
    ]);
    expect(Array.from(topQWeights(Float64Array.from([0.3, -1, 2, 0.3]), 0.5))).toEqual([
      1, 0, 1, 1,
    ]);
    expect(Array.from(topQWeights(Float64Array.from([0.3, -1]), 0.01))).toEqual([1, 0]);
  });

  it('fails clearly without a warm-up model, and registers under the token', async () => {
    const scorer = createImplicitRewardScorer(options(), context);
    const error = await scorer
      .score({ pairs: PAIRS, response: 'rejected', tokenizer, policy: reference, reference })
      .catch((e: unknown) => e);
    expect(isAlloError(error, 'MASK_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/^implicit-reward: needs the warm-up model/);
    const child = container.createChildContainer();
    implicitRewardPlugin.register(child, options(), context);
    expect(child.resolve(TOKEN_SCORER).needs).toBe('warmup');
  });
});
