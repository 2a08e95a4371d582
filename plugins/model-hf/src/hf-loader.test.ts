import * as tf from '@tensorflow/tfjs-core';
import { assetPath } from '@allo/core';
import type { ModelLoader } from '@allo/core';
import { pluginContract, useCpuBackend } from '@allo/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';

import { HfLoader, hfModelPlugin } from './hf-loader.js';

const HF_STORIES = assetPath('fixtures', 'hf-stories260K');
const TOK512 = assetPath('stories260K', 'tok512.bin');

pluginContract(hfModelPlugin, {
  options: { path: HF_STORIES, tokenizer: TOK512 },
  valid: [{ path: HF_STORIES }, { path: HF_STORIES, tokenizer: TOK512 }],
  invalid: [
    { options: {}, path: 'model.options.path' },
    { options: { path: HF_STORIES, tokenizer: false }, path: 'model.options.tokenizer' },
  ],
  exercise: async (loader: ModelLoader) => {
    const loaded = await loader.load(HF_STORIES, { tokenizer: TOK512 });
    const ids = tf.tensor2d([[1, 403]], undefined, 'int32');
    tf.dispose([ids, loaded.model.tokenLogProbs(ids)]);
    loaded.model.dispose();
  },
});

describe('HfLoader', () => {
  beforeAll(useCpuBackend);

  it('accepts Hugging Face directories only and loads one with a given tokenizer', async () => {
    const loader = new HfLoader();
    expect(await loader.accepts(HF_STORIES)).toBe(true);
    expect(await loader.accepts(assetPath('stories260K', 'stories260K.bin'))).toBe(false);
    const loaded = await loader.load(HF_STORIES, { tokenizer: TOK512 });
    expect(loaded.source).toEqual({ format: 'hf', path: HF_STORIES });
    expect(loaded.model.config).toMatchObject({
      architecture: 'llama',
      numKvHeads: 4,
      tieWordEmbeddings: true,
      ropeTheta: 10000,
    });
    loaded.model.dispose();
  });
});
