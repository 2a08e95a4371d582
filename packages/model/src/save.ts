// Writes a model as a Hugging Face directory: model.safetensors (float32, Hugging Face names,
// format "pt" metadata as transformers expects), config.json, and the tokenizer files copied
// beside them. The directory appears whole or not at all (writeDirAtomic).
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { writeDirAtomic, writeSafetensors } from '@allo/core';
import type { CausalLM } from '@allo/core';

import { hfConfigFromModel } from './hf-config.js';
import { HF_WEIGHTS } from './hf-directory.js';

export interface SaveOptions {
  /** Tokenizer files to copy in under their own names (tokenizer.json, tokenizer_config.json, tok512.bin). */
  tokenizerFiles?: readonly string[];
}

export async function saveHfDirectory(
  model: CausalLM,
  dir: string,
  options: SaveOptions = {},
): Promise<void> {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const parameter of model.parameters) {
    tensors.set(parameter.name, {
      shape: [...parameter.variable.shape],
      data: (await parameter.variable.data()) as Float32Array,
    });
  }
  await writeDirAtomic(dir, async (tmp) => {
    await writeSafetensors(path.join(tmp, HF_WEIGHTS), tensors, { format: 'pt' });
    await writeFile(
      path.join(tmp, 'config.json'),
      `${JSON.stringify(hfConfigFromModel(model.config), null, 2)}\n`,
    );
    for (const file of options.tokenizerFiles ?? [])
      await copyFile(file, path.join(tmp, path.basename(file)));
  });
}
