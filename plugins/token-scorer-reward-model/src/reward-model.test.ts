import { TOKEN_SCORER, assetPath, createLogger, isAlloError } from '@allo/core';
import type { LoadedModel, PluginContext, TokenizedPair } from '@allo/core';
import { leakedTensors, useCpuBackend } from '@allo/core/testing';
import { loadLlama2c } from '@allo/model';
import * as tf from '@tensorflow/tfjs-core';
import { Ajv } from 'ajv';
import { container } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  DEFAULT_TEMPLATE,
  createRewardModelScorer,
  fillTemplate,
  rewardModelPlugin,
} from './reward-model.js';
import type { RewardModelOptions } from './reward-model.js';

const context: PluginContext = {
  logger: createLogger('test'),
  seed: 1,
  runDir: null,
  configDir: assetPath('stories260K'),
};
const validate = new Ajv({ formats: { path: true }, allErrors: true, useDefaults: true, strict: false }).compile(
  rewardModelPlugin.optionsSchema,
);
const TEMPLATE = 'Story: {prompt}\nGood ending: {chosen}\nBad ending: {rejected}\nRewrite:';

function options(partial: Record<string, unknown>): RewardModelOptions {
  const o = { ...partial };
  if (!validate(o)) throw new Error(JSON.stringify(validate.errors));
  return o as unknown as RewardModelOptions;
}

let policy: LoadedModel;
let pairs: TokenizedPair[];
let texts: Array<{ prompt: string; chosen: string; rejected: string }>;

beforeAll(async () => {
  await useCpuBackend();
  policy = loadLlama2c(assetPath('stories260K', 'stories260K.bin'));
  const tok = policy.tokenizer;
  texts = [
    {
      prompt: 'Lily went to the park.',
      chosen: 'She played with her friend.',
      rejected: 'She ate the big tree.',
    },
    {
      prompt: 'Tom had a red ball.',
      chosen: 'He threw it to his dog.',
      rejected: 'The ball was a cat.',
    },
  ];
  pairs = texts.map((t, i) => ({
    id: `p${i}`,
    promptIds: [tok.bosId!, ...tok.encode(t.prompt)],
    chosenIds: [...tok.encode(t.chosen), tok.eosId!],
    rejectedIds: [...tok.encode(t.rejected), tok.eosId!],
  }));
});

afterAll(() => policy.model.dispose());

describe('reward-model options', () => {
  it('requires the model path, fills the other defaults and rejects bad values', () => {
    expect(validate({})).toBe(false);
    expect(validate.errors![0]).toMatchObject({ message: "must have required property 'model'" });
    expect(options({ model: 'rm.bin' })).toEqual({
      model: 'rm.bin',
      tokenizer: null,
      template: DEFAULT_TEMPLATE,
      weights: 'one-minus-p',
      threshold: 0.5,
      batchSize: 4,
    });
    expect(validate({ model: 'rm.bin', weights: 'log-p' })).toBe(false);
    expect(validate({ model: 'rm.bin', threshold: 1.5 })).toBe(false);
    expect(validate({ model: '' })).toBe(false);
  });

  it('fills every placeholder of the template', () => {
    expect(
      fillTemplate('{prompt}|{chosen}|{rejected}|{prompt}', {
        prompt: 'P',
        chosen: 'C',
        rejected: 'R',
      }),
    ).toBe('P|C|R|P');
  });
});

describe('reward-model scorer with stories260K as its own reward model', () => {
  it('weights each rejected token by its real probability after the rewriting prompt', async () => {
    // Relative model path: resolved against the config directory (assets/stories260K).
    const scorer = createRewardModelScorer(
      options({ model: 'stories260K.bin', template: TEMPLATE, weights: 'raw', batchSize: 1 }),
      context,
    );
    expect(scorer.needs).toBe('model');
    const input = {
      pairs,
      response: 'rejected' as const,
      tokenizer: policy.tokenizer,
      policy: policy.model,
      reference: policy.model,
    };
    const raw = await scorer.score(input);
    // First call loads the model; the second must not leak a tensor.
    let again: Float32Array[] = [];
    expect(await leakedTensors(async () => (again = await scorer.score(input)))).toBe(0);
    expect(again.map((w) => Array.from(w))).toEqual(raw.map((w) => Array.from(w)));

    const tok = policy.tokenizer;
    pairs.forEach((pair, b) => {
      const promptIds = [tok.bosId!, ...tok.encode(fillTemplate(TEMPLATE, texts[b]))];
      const ids = [...promptIds, ...pair.rejectedIds];
      const lp = tf.tidy(() =>
        policy.model.tokenLogProbs(tf.tensor2d(ids, [1, ids.length], 'int32')),
      );
      const expected = Array.from(lp.dataSync()).slice(promptIds.length).map(Math.exp);
      lp.dispose();
      expect(raw[b].length).toBe(pair.rejectedIds.length);
      raw[b].forEach((p, t) => {
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThan(1);
        expect(Math.abs(p - expected[t])).toBeLessThanOrEqual(1e-4 * Math.max(expected[t], 1e-3));
      });
    });

    // The same weights in the other two modes (the policy, already loaded, serves as reward model).
    const same = async () => policy;
    const oneMinus = await createRewardModelScorer(
      options({ model: 'stories260K.bin', template: TEMPLATE }),
      context,
      same,
    ).score(input);
    const threshold = await createRewardModelScorer(
      options({
        model: 'stories260K.bin',
        template: TEMPLATE,
        weights: 'threshold',
        threshold: 0.2,
      }),
      context,
      same,
    ).score(input);
    expect(threshold.flatMap((w) => Array.from(w)).some((x) => x === 1)).toBe(true);
    expect(threshold.flatMap((w) => Array.from(w)).some((x) => x === 0)).toBe(true);
    raw.forEach((w, b) =>
      w.forEach((p, t) => {
        expect(oneMinus[b][t]).toBeCloseTo(1 - p, 6);
        expect(threshold[b][t]).toBe(p < 0.2 ? 1 : 0);
      }),
    );
    scorer.dispose();
  });

  it('fails with MODEL_INVALID when the reward model has another vocabulary', async () => {
    const other = {
      ...policy,
      tokenizer: {
        ...policy.tokenizer,
        vocabSize: 1000,
        encode: policy.tokenizer.encode.bind(policy.tokenizer),
        decode: policy.tokenizer.decode.bind(policy.tokenizer),
      },
    } as LoadedModel;
    const scorer = createRewardModelScorer(
      options({ model: '/models/rm' }),
      context,
      async () => other,
    );
    const error = await scorer
      .score({
        pairs,
        response: 'rejected',
        tokenizer: policy.tokenizer,
        policy: policy.model,
        reference: policy.model,
      })
      .catch((e: unknown) => e);
    expect(isAlloError(error, 'MODEL_INVALID')).toBe(true);
    expect((error as Error).message).toBe(
      "/models/rm: the reward model must share the policy's tokenizer, so that its token probabilities line up with the policy's response tokens: expected vocabulary size 512 (the policy's), got tokenizer 1000 and model 512",
    );
  });

  it('refuses a rewriting prompt longer than the reward model context, naming the pair', async () => {
    const scorer = createRewardModelScorer(
      options({ model: 'rm', template: '{prompt} '.repeat(200) }),
      context,
      async () => policy,
    );
    const error = await scorer
      .score({
        pairs,
        response: 'rejected',
        tokenizer: policy.tokenizer,
        policy: policy.model,
        reference: policy.model,
      })
      .catch((e: unknown) => e);
    expect(isAlloError(error, 'MODEL_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(
      /pair "p0": the rewriting prompt and the rejected response are \d+ tokens, more than the reward model's 512 positions/,
    );
  });

  it('names a path that is no model, and registers under the token', async () => {
    const scorer = createRewardModelScorer(options({ model: 'PROVENANCE.md' }), context);
    const error = await scorer
      .score({
        pairs,
        response: 'rejected',
        tokenizer: policy.tokenizer,
        policy: policy.model,
        reference: policy.model,
      })
      .catch((e: unknown) => e);
    expect(isAlloError(error, 'MODEL_UNSUPPORTED')).toBe(true);
    expect((error as Error).message).toContain(
      `${assetPath('stories260K', 'PROVENANCE.md')}: the reward model is neither`,
    );
    const child = container.createChildContainer();
    rewardModelPlugin.register(child, options({ model: 'stories260K.bin' }), context);
    expect(child.resolve(TOKEN_SCORER).needs).toBe('model');
  });
});
