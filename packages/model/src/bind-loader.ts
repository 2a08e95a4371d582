// A ModelLoader bound to its plugin options: relative paths resolve against the config's folder,
// and the options' path and tokenizer stand in for what `load` is not given.
import path from 'node:path';

import type { LoadedModel, ModelLoader, PluginContext } from '@allo/core';

export interface PathLoader {
  accepts(file: string): Promise<boolean>;
  load(file: string, options: { tokenizer?: string }): Promise<LoadedModel>;
}

export function bindModelLoader(
  loader: PathLoader,
  options: { path: string; tokenizer?: string },
  context: PluginContext,
): ModelLoader {
  // An empty string (the schema default) means: find the tokenizer beside the model.
  const resolve = (p: string | undefined) =>
    p === undefined || p === '' ? undefined : path.resolve(context.configDir, p);
  return {
    accepts: (file) => loader.accepts(resolve(file) ?? file),
    load: (file, loadOptions) =>
      loader.load(resolve(file) ?? resolve(options.path)!, {
        tokenizer: resolve(loadOptions?.tokenizer) ?? resolve(options.tokenizer),
      }),
  };
}
