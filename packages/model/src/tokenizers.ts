// Finding and loading the tokenizer that goes with a model: tokenizer.json (Hugging Face) or a
// llama2.c tokenizer.bin, beside the model or at an explicit path.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { errors } from '@allo/core';
import type { ModelConfig, Tokenizer } from '@allo/core';

import { HfTokenizer } from './tokenizer-hf.js';
import { Llama2cTokenizer } from './tokenizer-llama2c.js';

/** File names looked for beside a model, in this order. */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer.bin', 'tok512.bin'] as const;

/** The first tokenizer file in `dir`, or null. */
export function findTokenizer(dir: string): string | null {
  for (const name of TOKENIZER_FILES) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** Loads tokenizer.json (or a directory holding one) or a llama2.c tokenizer .bin. */
export function loadTokenizer(file: string, config?: ModelConfig): Tokenizer {
  if (!existsSync(file)) throw errors.modelInvalid(file, 'tokenizer file does not exist');
  if (statSync(file).isDirectory()) {
    const inside = findTokenizer(file);
    if (inside === null)
      throw errors.modelInvalid(
        file,
        `no tokenizer in this directory, expected one of ${TOKENIZER_FILES.join(', ')}`,
      );
    return loadTokenizer(inside, config);
  }
  if (file.endsWith('.json')) {
    return HfTokenizer.fromFile(file, {
      bosTokenId: config?.bosTokenId,
      eosTokenId: config?.eosTokenId,
    });
  }
  return Llama2cTokenizer.fromFile(file);
}

/** Where a tokenizer's files are, for a saver to copy. */
export function tokenizerFiles(tokenizer: Tokenizer): string[] {
  if (tokenizer instanceof HfTokenizer) return [...tokenizer.files];
  if (tokenizer instanceof Llama2cTokenizer) return [tokenizer.file];
  return [];
}

/**
 * The tokenizer for a model: the explicit path, else the first one beside the model. Its
 * vocabulary must have exactly the model's size.
 */
export function resolveTokenizer(
  modelPath: string,
  modelDir: string,
  config: ModelConfig,
  explicit?: string,
): Tokenizer {
  const file = explicit === undefined || explicit === '' ? findTokenizer(modelDir) : explicit;
  if (file === null) {
    throw errors.modelInvalid(
      modelPath,
      `no tokenizer found beside the model: expected one of ${TOKENIZER_FILES.join(', ')} in ${modelDir}, or pass one with --tokenizer (options.tokenizer)`,
    );
  }
  const tokenizer = loadTokenizer(file, config);
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw errors.modelInvalid(
      file,
      `tokenizer vocabulary has ${tokenizer.vocabSize} entries, expected the model's vocab_size ${config.vocabSize} (${modelPath})`,
    );
  }
  return tokenizer;
}
