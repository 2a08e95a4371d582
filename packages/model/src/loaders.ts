// The two load paths behind the ModelLoader plugins: each returns the model, its tokenizer (found
// beside the model or given), where it came from, and a saver to a Hugging Face directory.
import { existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';

import type { LoadedModel } from '@allo/core';

import { isHfDirectory, loadHfModel } from './hf-directory.js';
import { readLlama2cCheckpoint } from './llama2c-checkpoint.js';
import { modelFromValues } from './create.js';
import { saveHfDirectory } from './save.js';
import { resolveTokenizer, tokenizerFiles } from './tokenizers.js';

export interface LoadOptions {
  /** Tokenizer path; defaults to the first of tokenizer.json, tokenizer.bin, tok512.bin beside the model. */
  tokenizer?: string;
}

/** True for a regular file whose 28-byte header reads as a plausible legacy llama2.c header. */
export async function looksLikeLlama2c(file: string): Promise<boolean> {
  if (!existsSync(file) || !statSync(file).isFile() || statSync(file).size < 28) return false;
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(28);
    await handle.read(header, 0, 28, 0);
    const ints = Array.from({ length: 7 }, (_, i) => header.readInt32LE(i * 4));
    return ints.every((value, i) => (i === 5 ? value !== 0 : value > 0)) && ints[0] % ints[3] === 0;
  } finally {
    await handle.close();
  }
}

export function loadLlama2c(file: string, options: LoadOptions = {}): LoadedModel {
  const checkpoint = readLlama2cCheckpoint(file);
  const tokenizer = resolveTokenizer(
    file,
    path.dirname(file),
    checkpoint.config,
    options.tokenizer,
  );
  const model = modelFromValues(checkpoint.config, checkpoint.values, file);
  const files = tokenizerFiles(tokenizer);
  return {
    model,
    tokenizer,
    source: { format: 'llama2c', path: file },
    save: (m, dir) => saveHfDirectory(m, dir, { tokenizerFiles: files }),
  };
}

export function loadHfDirectory(dir: string, options: LoadOptions = {}): LoadedModel {
  const model = loadHfModel(dir);
  try {
    const tokenizer = resolveTokenizer(dir, dir, model.config, options.tokenizer);
    const files = tokenizerFiles(tokenizer);
    return {
      model,
      tokenizer,
      source: { format: 'hf', path: dir },
      save: (m, out) => saveHfDirectory(m, out, { tokenizerFiles: files }),
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

export { isHfDirectory };
