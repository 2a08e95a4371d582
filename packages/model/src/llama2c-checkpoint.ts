// llama2.c "legacy v0" checkpoints (karpathy/llama2.c export.py legacy_export): a 7 × int32
// header, then float32 arrays in a fixed order. Every matrix is [out, in]. q/k rows are permuted
// into the Hugging Face rotate-half layout on load, as transformers' convert_llama_weights_to_hf.py
// does, so the values come out under Hugging Face names.
import { readFileSync } from 'node:fs';

import { errors } from '@allo/core';
import type { CausalLM, ModelConfig } from '@allo/core';

import { modelFromValues } from './create.js';
import type { NamedValues } from './create.js';

const HEADER_BYTES = 28;
/** "ak42": the magic of llama2.c's versioned exports (v1, v2), which this reader does not parse. */
const VERSIONED_MAGIC = 0x616b3432;

export interface Llama2cHeader {
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  seqLen: number;
  sharedClassifier: boolean;
}

export interface Llama2cCheckpoint {
  header: Llama2cHeader;
  config: ModelConfig;
  /** Values by Hugging Face Llama name, q/k already in rotate-half layout. */
  values: Map<string, NamedValues>;
}

/** Number of float32 values the header promises (legacy RoPE tables included). */
export function llama2cFloatCount(h: Llama2cHeader): number {
  const headSize = h.dim / h.nHeads;
  const kvDim = h.nKvHeads * headSize;
  const perLayer = 2 * h.dim + h.dim * h.dim * 2 + kvDim * h.dim * 2 + 3 * h.hiddenDim * h.dim;
  const classifier = h.sharedClassifier ? 0 : h.vocabSize * h.dim;
  return h.vocabSize * h.dim + h.nLayers * perLayer + h.dim + h.seqLen * headSize + classifier;
}

/**
 * Rows of one head go from llama2.c's adjacent pairs (2j, 2j+1) to rotate-half halves (j, j+half):
 * new row c·half + j holds old row 2j + c.
 */
export function permuteRotary(
  w: Float32Array,
  heads: number,
  rows: number,
  cols: number,
): Float32Array {
  const headSize = rows / heads;
  const half = headSize / 2;
  const out = new Float32Array(w.length);
  for (let h = 0; h < heads; h += 1) {
    for (let j = 0; j < half; j += 1) {
      for (let c = 0; c < 2; c += 1) {
        const from = (h * headSize + 2 * j + c) * cols;
        const to = (h * headSize + c * half + j) * cols;
        out.set(w.subarray(from, from + cols), to);
      }
    }
  }
  return out;
}

function parseHeader(bytes: Uint8Array, file: string): Llama2cHeader {
  if (bytes.byteLength < HEADER_BYTES) {
    throw errors.modelInvalid(
      file,
      `llama2.c checkpoint is ${bytes.byteLength} bytes, shorter than its 28-byte header`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (view.getUint32(0, true) === VERSIONED_MAGIC) {
    throw errors.modelUnsupported(
      file,
      'llama2.c versioned export (magic "ak42", version 1 or 2) is not supported, expected the legacy v0 format (export.py --version 0)',
    );
  }
  const ints = Array.from({ length: 7 }, (_, i) => view.getInt32(i * 4, true));
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, vocab, seqLen] = ints;
  const names = ['dim', 'hidden_dim', 'n_layers', 'n_heads', 'n_kv_heads', 'vocab_size', 'seq_len'];
  ints.forEach((value, i) => {
    if (value === 0 || (i !== 5 && value < 0)) {
      throw errors.modelInvalid(
        file,
        `llama2.c header field ${names[i]} is ${value}, expected a positive integer`,
      );
    }
  });
  if (dim % nHeads !== 0 || nHeads % nKvHeads !== 0 || (dim / nHeads) % 2 !== 0) {
    throw errors.modelInvalid(
      file,
      `llama2.c header dims do not fit together: dim ${dim}, n_heads ${nHeads}, n_kv_heads ${nKvHeads}`,
    );
  }
  return {
    dim,
    hiddenDim,
    nLayers,
    nHeads,
    nKvHeads,
    vocabSize: Math.abs(vocab),
    seqLen,
    sharedClassifier: vocab > 0,
  };
}

export function llama2cConfig(h: Llama2cHeader): ModelConfig {
  return {
    architecture: 'llama',
    vocabSize: h.vocabSize,
    hiddenSize: h.dim,
    numLayers: h.nLayers,
    numHeads: h.nHeads,
    numKvHeads: h.nKvHeads,
    intermediateSize: h.hiddenDim,
    maxPositions: h.seqLen,
    tieWordEmbeddings: h.sharedClassifier,
    bosTokenId: 1,
    eosTokenId: 2,
    normEps: 1e-5,
    ropeTheta: 10000,
  };
}

/** Parses a llama2.c checkpoint; `file` names it in errors. */
export function parseLlama2cCheckpoint(raw: Uint8Array, file: string): Llama2cCheckpoint {
  const header = parseHeader(raw, file);
  const expected = HEADER_BYTES + 4 * llama2cFloatCount(header);
  if (raw.byteLength !== expected) {
    const h = header;
    throw errors.modelInvalid(
      file,
      `size ${raw.byteLength} bytes does not match its header (dim ${h.dim}, hidden_dim ${h.hiddenDim}, n_layers ${h.nLayers}, n_heads ${h.nHeads}, n_kv_heads ${h.nKvHeads}, vocab_size ${h.sharedClassifier ? '' : '-'}${h.vocabSize}, seq_len ${h.seqLen}): expected ${expected} bytes`,
    );
  }
  // An aligned copy, so that Float32Array views start on 4-byte boundaries (the format is little-endian, as x86 and ARM hosts are).
  const bytes = new Uint8Array(raw.byteLength);
  bytes.set(raw);
  let offset = HEADER_BYTES;
  const take = (count: number): Float32Array => {
    const view = new Float32Array(bytes.buffer, offset, count);
    offset += count * 4;
    return view;
  };
  const { dim: D, hiddenDim: I, nLayers: L, nHeads: H, nKvHeads: Hkv, vocabSize: V } = header;
  const headSize = D / H;
  const kvDim = Hkv * headSize;
  const values = new Map<string, NamedValues>();
  const put = (name: string, shape: number[], data: Float32Array) =>
    values.set(name, { shape, data });
  const perLayer = (
    name: string,
    shape: number[],
    transform?: (w: Float32Array) => Float32Array,
  ) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const all = take(L * size);
    for (let l = 0; l < L; l += 1) {
      const w = all.slice(l * size, (l + 1) * size);
      put(`model.layers.${l}.${name}`, shape, transform === undefined ? w : transform(w));
    }
  };
  put('model.embed_tokens.weight', [V, D], take(V * D).slice());
  perLayer('input_layernorm.weight', [D]);
  perLayer('self_attn.q_proj.weight', [D, D], (w) => permuteRotary(w, H, D, D));
  perLayer('self_attn.k_proj.weight', [kvDim, D], (w) => permuteRotary(w, Hkv, kvDim, D));
  perLayer('self_attn.v_proj.weight', [kvDim, D]);
  perLayer('self_attn.o_proj.weight', [D, D]);
  perLayer('post_attention_layernorm.weight', [D]);
  perLayer('mlp.gate_proj.weight', [I, D]);
  perLayer('mlp.down_proj.weight', [D, I]);
  perLayer('mlp.up_proj.weight', [I, D]);
  put('model.norm.weight', [D], take(D).slice());
  take(header.seqLen * headSize); // legacy freq_cis_real and freq_cis_imag: recomputed from rope_theta instead
  if (!header.sharedClassifier) put('lm_head.weight', [V, D], take(V * D).slice());
  return { header, config: llama2cConfig(header), values };
}

export function readLlama2cCheckpoint(file: string): Llama2cCheckpoint {
  let raw: Uint8Array;
  try {
    raw = readFileSync(file);
  } catch (cause) {
    throw errors.io(
      file,
      `cannot read the llama2.c checkpoint: ${(cause as Error).message}`,
      cause,
    );
  }
  return parseLlama2cCheckpoint(raw, file);
}

/** Loads a llama2.c checkpoint as a Llama model under Hugging Face names. */
export function loadLlama2cModel(file: string): CausalLM {
  const { config, values } = readLlama2cCheckpoint(file);
  return modelFromValues(config, values, file);
}
