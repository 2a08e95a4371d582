// Hugging Face model directories: config.json plus model.safetensors or a sharded
// model.safetensors.index.json. Tensor names are accepted with or without the `model.` (Llama)
// or `transformer.` (GPT-2) prefix; buffers (attn.bias, attn.masked_bias, rotary_emb.inv_freq)
// and a tied lm_head copy are skipped; anything else unknown is an error, never dropped silently.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { errors, readSafetensors } from '@allo/core';
import type { CausalLM, ModelConfig } from '@allo/core';

import { modelFromValues } from './create.js';
import type { NamedValues } from './create.js';
import { modelConfigFromHf } from './hf-config.js';
import { parameterSpecs } from './specs.js';

export const HF_WEIGHTS = 'model.safetensors';
export const HF_INDEX = 'model.safetensors.index.json';

const BUFFERS = [/\.attn\.bias$/, /\.attn\.masked_bias$/, /\.rotary_emb\.inv_freq$/];

/** True when `dir` holds config.json and safetensors weights. */
export function isHfDirectory(dir: string): boolean {
  return (
    existsSync(path.join(dir, 'config.json')) &&
    (existsSync(path.join(dir, HF_WEIGHTS)) || existsSync(path.join(dir, HF_INDEX)))
  );
}

export function readHfConfig(dir: string): ModelConfig {
  const file = path.join(dir, 'config.json');
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw errors.modelInvalid(file, `cannot read config.json: ${(cause as Error).message}`);
  }
  return modelConfigFromHf(json, file);
}

/** The weight files of a directory, with the index file when sharded. */
function weightFiles(dir: string): { files: string[]; listing: string } {
  const single = path.join(dir, HF_WEIGHTS);
  if (existsSync(single)) return { files: [single], listing: single };
  const index = path.join(dir, HF_INDEX);
  if (!existsSync(index))
    throw errors.modelInvalid(dir, `no weights: expected ${HF_WEIGHTS} or ${HF_INDEX}`);
  let map: Record<string, string>;
  try {
    map = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map: Record<string, string> })
      .weight_map;
  } catch (cause) {
    throw errors.modelInvalid(index, `cannot read the shard index: ${(cause as Error).message}`);
  }
  if (map === null || typeof map !== 'object')
    throw errors.modelInvalid(index, 'field "weight_map" is missing');
  return {
    files: [...new Set(Object.values(map))].map((shard) => path.join(dir, shard)),
    listing: index,
  };
}

function canonicalName(name: string, config: ModelConfig): string {
  if (config.architecture === 'gpt2')
    return name.startsWith('transformer.') ? name.slice('transformer.'.length) : name;
  if (name.startsWith('model.') || name.startsWith('lm_head.')) return name;
  return `model.${name}`;
}

/** Reads every tensor under its canonical name, checking names and shapes against the config. */
export function readHfWeights(dir: string, config: ModelConfig): Map<string, NamedValues> {
  const specs = new Map(parameterSpecs(config).map((spec) => [spec.name, spec]));
  const { files, listing } = weightFiles(dir);
  const values = new Map<string, NamedValues>();
  for (const file of files) {
    for (const [raw, entry] of readSafetensors(file)) {
      if (BUFFERS.some((pattern) => pattern.test(raw))) continue;
      const name = canonicalName(raw, config);
      if (name === 'lm_head.weight' && config.tieWordEmbeddings) continue; // a saved copy of the tied embedding
      const spec = specs.get(name);
      if (spec === undefined) {
        throw errors.modelInvalid(
          file,
          `unexpected tensor "${raw}": not a parameter of a ${config.architecture} model with this config.json`,
        );
      }
      if (values.has(name))
        throw errors.modelInvalid(file, `tensor "${raw}" appears twice (as "${name}")`);
      if (entry.shape.join(',') !== spec.shape.join(',')) {
        throw errors.modelInvalid(
          file,
          `tensor "${raw}" has shape [${entry.shape.join(', ')}], expected [${spec.shape.join(', ')}] from config.json`,
        );
      }
      values.set(name, { shape: entry.shape, data: entry.data });
    }
  }
  for (const name of specs.keys()) {
    if (!values.has(name)) throw errors.modelInvalid(listing, `missing tensor "${name}"`);
  }
  return values;
}

/** Loads the model of a Hugging Face directory (no tokenizer). */
export function loadHfModel(dir: string): CausalLM {
  const config = readHfConfig(dir);
  return modelFromValues(config, readHfWeights(dir, config), dir);
}
