import { TOKEN_SCORER, createLogger } from '@allo/core';
import type { CausalLM, PluginContext, TokenizedPair, Tokenizer } from '@allo/core';
import { Ajv } from 'ajv';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';

import { createUniformScorer, uniformPlugin } from './uniform.js';

const context: PluginContext = {
  logger: createLogger('test'),
  seed: 1,
  runDir: null,
  configDir: '.',
};
const tokenizer: Tokenizer = {
  vocabSize: 8,
  bosId: 1,
  eosId: 2,
  padId: 0,
  encode: () => [],
  decode: () => '',
};
const model = {} as CausalLM;
const pairs: TokenizedPair[] = [
  { id: 'a', promptIds: [1, 5], chosenIds: [3, 2], rejectedIds: [4, 4, 7, 2] },
  { id: 'b', promptIds: [1], chosenIds: [2], rejectedIds: [6, 2] },
];

describe('uniform scorer', () => {
  it('weighs every response token 1, EOS included, one array per pair of the response length', async () => {
    const scorer = createUniformScorer();
    expect(scorer.needs).toBe('nothing');
    const rejected = await scorer.score({
      pairs,
      response: 'rejected',
      tokenizer,
      policy: model,
      reference: model,
    });
    expect(rejected.map((w) => Array.from(w))).toEqual([
      [1, 1, 1, 1],
      [1, 1],
    ]);
    const chosen = await scorer.score({
      pairs,
      response: 'chosen',
      tokenizer,
      policy: model,
      reference: model,
    });
    expect(chosen.map((w) => Array.from(w))).toEqual([[1, 1], [1]]);
    expect(rejected[0]).toBeInstanceOf(Float32Array);
  });

  it('takes no options and registers under the token', () => {
    const validate = new Ajv({ formats: { path: true }, allErrors: true, useDefaults: true, strict: false }).compile(
      uniformPlugin.optionsSchema,
    );
    expect(validate({})).toBe(true);
    expect(validate({ q: 1 })).toBe(false);
    const child = container.createChildContainer();
    uniformPlugin.register(child, {}, context);
    expect(child.resolve(TOKEN_SCORER).needs).toBe('nothing');
  });
});
