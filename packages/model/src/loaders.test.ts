import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { assetPath, encodeSafetensors, isAlloError, readSafetensors } from '@allo/core';
import type { CausalLM, ErrorCode } from '@allo/core';
import { useCpuBackend } from '@allo/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadHfDirectory, loadLlama2c, looksLikeLlama2c } from './loaders.js';
import { isHfDirectory, loadHfModel } from './hf-directory.js';

const STORIES = assetPath('stories260K', 'stories260K.bin');
const TOK512 = assetPath('stories260K', 'tok512.bin');
const HF_STORIES = assetPath('fixtures', 'hf-stories260K');
const TINY_GPT2 = assetPath('fixtures', 'tiny-gpt2');
const GPT2_TOKENIZER = assetPath('gpt2-tokenizer-json', 'tokenizer.json');

const work = mkdtempSync(path.join(tmpdir(), 'allo-model-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function logitsOf(model: CausalLM, ids: number[]): Float32Array {
  const input = tf.tensor2d([ids], undefined, 'int32');
  const logits = model.logits(input);
  const values = logits.dataSync() as Float32Array;
  tf.dispose([input, logits]);
  return values;
}

function expectError(fn: () => unknown, code: ErrorCode, ...fragments: string[]): void {
  try {
    fn();
  } catch (error) {
    expect(isAlloError(error, code), String(error)).toBe(true);
    for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

/** A copy of a fixture directory with its tensors rewritten by `edit`. */
function rewrite(
  from: string,
  name: string,
  edit: (tensors: Map<string, { shape: number[]; data: Float32Array }>) => void,
  tokenizer?: string,
): string {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(from, 'config.json'), path.join(dir, 'config.json'));
  const tensors = new Map(
    [...readSafetensors(path.join(from, 'model.safetensors'))].map(([k, v]) => [
      k,
      { shape: v.shape, data: v.data },
    ]),
  );
  edit(tensors);
  writeFileSync(path.join(dir, 'model.safetensors'), encodeSafetensors(tensors));
  if (tokenizer !== undefined) copyFileSync(tokenizer, path.join(dir, path.basename(tokenizer)));
  return dir;
}

const sentence = [1, 403, 407, 261, 378, 432, 383, 286];
const gpt2Ids = [5, 17, 42, 3, 88, 60, 1, 29, 71, 12];

describe('loaders', () => {
  beforeAll(useCpuBackend);

  it('finds tok512.bin beside a llama2.c checkpoint and recognises the formats', async () => {
    const loaded = loadLlama2c(STORIES);
    expect(loaded.source).toEqual({ format: 'llama2c', path: STORIES });
    expect([
      loaded.tokenizer.vocabSize,
      loaded.tokenizer.bosId,
      loaded.tokenizer.eosId,
      loaded.tokenizer.stopIds,
    ]).toEqual([512, 1, 2, [1]]);
    expect(await looksLikeLlama2c(STORIES)).toBe(true);
    expect(await looksLikeLlama2c(TOK512)).toBe(false);
    expect(isHfDirectory(HF_STORIES)).toBe(true);
    expect(isHfDirectory(path.dirname(STORIES))).toBe(false);
    loaded.model.dispose();
  });

  it('saves llama2.c as a Hugging Face directory that reloads with identical logits', async () => {
    const loaded = loadLlama2c(STORIES);
    const out = path.join(work, 'saved-stories');
    await loaded.save(loaded.model, out);
    expect(existsSync(path.join(out, 'tok512.bin'))).toBe(true);
    const config = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'llama',
      hidden_size: 64,
      num_key_value_heads: 4,
      intermediate_size: 172,
      tie_word_embeddings: true,
      rope_theta: 10000,
    });
    const reloaded = loadHfDirectory(out);
    expect(reloaded.source.format).toBe('hf');
    expect(reloaded.model.parameters.map((p) => p.name)).toEqual(
      loaded.model.parameters.map((p) => p.name),
    );
    expect(Array.from(logitsOf(reloaded.model, sentence))).toEqual(
      Array.from(logitsOf(loaded.model, sentence)),
    );
    // The saved q_proj is the Hugging Face fixture's, byte for byte.
    const saved = readSafetensors(path.join(out, 'model.safetensors')).get(
      'model.layers.2.self_attn.q_proj.weight',
    )!.data;
    const fixture = readSafetensors(path.join(HF_STORIES, 'model.safetensors')).get(
      'model.layers.2.self_attn.q_proj.weight',
    )!.data;
    expect(Array.from(saved)).toEqual(Array.from(fixture));
    loaded.model.dispose();
    reloaded.model.dispose();
  });

  it('loads hf-stories260K with an explicit llama2.c tokenizer and gpt2 with transformer. prefixes, buffers and shards', () => {
    const hf = loadHfDirectory(HF_STORIES, { tokenizer: TOK512 });
    expect(hf.tokenizer.encode('Once upon')).toEqual([403, 407]);
    hf.model.dispose();

    const plain = loadHfModel(TINY_GPT2);
    const dir = path.join(work, 'sharded-gpt2');
    mkdirSync(dir, { recursive: true });
    copyFileSync(path.join(TINY_GPT2, 'config.json'), path.join(dir, 'config.json'));
    const entries = [...readSafetensors(path.join(TINY_GPT2, 'model.safetensors'))];
    const shards = [new Map(), new Map()] as Array<
      Map<string, { shape: number[]; data: Float32Array }>
    >;
    const weightMap: Record<string, string> = {};
    entries.forEach(([name, entry], i) => {
      shards[i % 2].set(`transformer.${name}`, { shape: entry.shape, data: entry.data });
      weightMap[`transformer.${name}`] = `model-0000${(i % 2) + 1}-of-00002.safetensors`;
    });
    shards[0].set('transformer.h.0.attn.bias', {
      shape: [1, 1, 64, 64],
      data: new Float32Array(64 * 64),
    });
    shards[1].set('lm_head.weight', {
      shape: [96, 32],
      data: readSafetensors(path.join(TINY_GPT2, 'model.safetensors')).get('wte.weight')!.data,
    });
    weightMap['transformer.h.0.attn.bias'] = 'model-00001-of-00002.safetensors';
    weightMap['lm_head.weight'] = 'model-00002-of-00002.safetensors';
    shards.forEach((shard, i) =>
      writeFileSync(
        path.join(dir, `model-0000${i + 1}-of-00002.safetensors`),
        encodeSafetensors(shard),
      ),
    );
    writeFileSync(
      path.join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: {}, weight_map: weightMap }),
    );
    const sharded = loadHfModel(dir);
    expect(Array.from(logitsOf(sharded, gpt2Ids))).toEqual(Array.from(logitsOf(plain, gpt2Ids)));
    plain.dispose();
    sharded.dispose();
  });
});

describe('bad input', () => {
  beforeAll(useCpuBackend);

  it('a checkpoint whose size does not match its header', () => {
    const file = path.join(work, 'short.bin');
    writeFileSync(file, readFileSync(STORIES).subarray(0, 1_000_000));
    expectError(
      () => loadLlama2c(file, { tokenizer: TOK512 }),
      'MODEL_INVALID',
      file,
      'size 1000000 bytes does not match its header',
      'expected 1056540 bytes',
    );
  });

  it('a config.json naming an unsupported architecture', () => {
    const dir = rewrite(TINY_GPT2, 'mistral', () => {});
    writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ model_type: 'mistral', architectures: ['MistralForCausalLM'] }),
    );
    expectError(
      () => loadHfModel(dir),
      'MODEL_UNSUPPORTED',
      path.join(dir, 'config.json'),
      'model_type "mistral"',
    );
  });

  it('a missing tensor', () => {
    const dir = rewrite(TINY_GPT2, 'missing', (t) => t.delete('h.1.mlp.c_fc.bias'));
    expectError(
      () => loadHfModel(dir),
      'MODEL_INVALID',
      path.join(dir, 'model.safetensors'),
      'missing tensor "h.1.mlp.c_fc.bias"',
    );
  });

  it('a tensor with the wrong shape, never reshaped', () => {
    const dir = rewrite(TINY_GPT2, 'shape', (t) => {
      const w = t.get('h.0.attn.c_attn.weight')!;
      t.set('h.0.attn.c_attn.weight', { shape: [96, 32], data: w.data });
    });
    expectError(
      () => loadHfModel(dir),
      'MODEL_INVALID',
      path.join(dir, 'model.safetensors'),
      'tensor "h.0.attn.c_attn.weight" has shape [96, 32], expected [32, 96]',
    );
  });

  it('an unexpected tensor', () => {
    const dir = rewrite(TINY_GPT2, 'extra', (t) =>
      t.set('h.0.attn.q_bias', { shape: [1], data: Float32Array.from([0]) }),
    );
    expectError(() => loadHfModel(dir), 'MODEL_INVALID', 'unexpected tensor "h.0.attn.q_bias"');
  });

  it('a tokenizer whose vocabulary size differs from the model', () => {
    expectError(
      () => loadLlama2c(STORIES, { tokenizer: GPT2_TOKENIZER }),
      'MODEL_INVALID',
      GPT2_TOKENIZER,
      '50257 entries',
      'vocab_size 512',
    );
    const dir = rewrite(TINY_GPT2, 'no-tokenizer', () => {});
    expectError(() => loadHfDirectory(dir), 'MODEL_INVALID', dir, 'no tokenizer found');
  });
});
