// The `llama2c` ModelLoader: llama2.c legacy checkpoints (.bin) with a llama2.c tokenizer.bin (or
// a tokenizer.json) beside them or given. The model comes out under Hugging Face Llama names and
// saves as a Hugging Face directory.

import { bindFactory, definePlugin } from '@allo/core';
import type { LoadedModel, ModelLoader, PluginContext } from '@allo/core';
import { bindModelLoader, loadLlama2c, looksLikeLlama2c } from '@allo/model';

export interface Llama2cLoaderOptions {
  /** The checkpoint; relative paths resolve against the config's directory. */
  path: string;
  /** A tokenizer file; defaults to tokenizer.json, tokenizer.bin or tok512.bin beside the checkpoint. */
  tokenizer?: string;
}

export class Llama2cLoader implements ModelLoader {
  async accepts(file: string): Promise<boolean> {
    return file.endsWith('.bin') && (await looksLikeLlama2c(file));
  }

  async load(file: string, options: { tokenizer?: string } = {}): Promise<LoadedModel> {
    return loadLlama2c(file, options);
  }
}

/** A loader bound to its options: `load` resolves relative paths against the config directory. */
export function createLlama2cLoader(
  options: Llama2cLoaderOptions,
  context: PluginContext,
): ModelLoader {
  return bindModelLoader(new Llama2cLoader(), options, context);
}

export const llama2cModelPlugin = definePlugin<'model', Llama2cLoaderOptions>({
  id: 'llama2c',
  kind: 'model',
  version: '0.1.0',
  description: 'llama2.c checkpoints (legacy v0 .bin) with their tokenizer.bin',
  optionsSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', format: 'path' },
      tokenizer: { type: 'string', format: 'path', default: '' },
    },
    required: ['path'],
    additionalProperties: false,
  },
  register: bindFactory('model', (options: Llama2cLoaderOptions, context: PluginContext) =>
    createLlama2cLoader(options, context),
  ),
});
