// The `hf` ModelLoader: Hugging Face directories (config.json + model.safetensors or a sharded
// index; llama and gpt2 architectures) with tokenizer.json beside them, or a given tokenizer.

import { bindFactory, definePlugin } from '@allo/core';
import type { LoadedModel, ModelLoader, PluginContext } from '@allo/core';
import { bindModelLoader, isHfDirectory, loadHfDirectory } from '@allo/model';

export interface HfLoaderOptions {
  /** The model directory; relative paths resolve against the config's directory. */
  path: string;
  /** A tokenizer file or directory; defaults to tokenizer.json (or a llama2.c .bin) in the model directory. */
  tokenizer?: string;
}

export class HfLoader implements ModelLoader {
  async accepts(dir: string): Promise<boolean> {
    return isHfDirectory(dir);
  }

  async load(dir: string, options: { tokenizer?: string } = {}): Promise<LoadedModel> {
    return loadHfDirectory(dir, options);
  }
}

/** A loader bound to its options: `load` resolves relative paths against the config directory. */
export function createHfLoader(options: HfLoaderOptions, context: PluginContext): ModelLoader {
  return bindModelLoader(new HfLoader(), options, context);
}

export const hfModelPlugin = definePlugin<'model', HfLoaderOptions>({
  id: 'hf',
  kind: 'model',
  version: '0.1.0',
  description:
    'Hugging Face directories (config.json + safetensors; llama, gpt2) with tokenizer.json',
  optionsSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', format: 'path' },
      tokenizer: { type: 'string', format: 'path', default: '' },
    },
    required: ['path'],
    additionalProperties: false,
  },
  register: bindFactory('model', (options: HfLoaderOptions, context: PluginContext) =>
    createHfLoader(options, context),
  ),
});
