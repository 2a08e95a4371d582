import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { assetPath, isAlloError } from '@allo/core';
import type { ModelLoader } from '@allo/core';
import { pluginContract, testContext, useCpuBackend } from '@allo/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';

import { createLlama2cLoader, Llama2cLoader, llama2cModelPlugin } from './llama2c-loader.js';

const STORIES = assetPath('stories260K', 'stories260K.bin');

pluginContract(llama2cModelPlugin, {
  options: { path: STORIES },
  valid: [{ path: STORIES }, { path: 'stories260K.bin', tokenizer: 'tok512.bin' }],
  invalid: [
    { options: {}, path: 'model.options.path' },
    { options: { path: 7 }, path: 'model.options.path' },
  ],
  exercise: async (loader: ModelLoader) => {
    const loaded = await loader.load(STORIES, {});
    const ids = tf.tensor2d([[1, 403]], undefined, 'int32');
    tf.dispose([ids, loaded.model.logits(ids)]);
    loaded.model.dispose();
  },
});

describe('Llama2cLoader', () => {
  beforeAll(useCpuBackend);

  it('accepts llama2.c checkpoints only', async () => {
    const loader = new Llama2cLoader();
    expect(await loader.accepts(STORIES)).toBe(true);
    expect(await loader.accepts(assetPath('stories260K', 'tok512.bin'))).toBe(false);
    expect(await loader.accepts(assetPath('fixtures', 'hf-stories260K'))).toBe(false);
  });

  it('resolves relative paths against the config directory', async () => {
    const context = { ...testContext(), configDir: path.dirname(STORIES) };
    const loader = createLlama2cLoader(
      { path: 'stories260K.bin', tokenizer: 'tok512.bin' },
      context,
    );
    expect(await loader.accepts('stories260K.bin')).toBe(true);
    const loaded = await loader.load('stories260K.bin', { tokenizer: 'tok512.bin' });
    expect(loaded.source).toEqual({ format: 'llama2c', path: STORIES });
    expect(loaded.tokenizer.encode('Once upon')).toEqual([403, 407]);
    loaded.model.dispose();
    await expect(loader.load('missing.bin', {})).rejects.toSatisfy((error) =>
      isAlloError(error, 'IO'),
    );
  });
});
