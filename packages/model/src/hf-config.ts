// config.json of a Hugging Face checkpoint ↔ ModelConfig, for the two supported architectures.
import { errors } from '@allo/core';
import type { ModelConfig } from '@allo/core';

type Json = Record<string, unknown>;

function field(json: Json, file: string, key: string, fallback?: number): number {
  const value = json[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw errors.modelInvalid(
      file,
      `field "${key}" must be a number, got ${JSON.stringify(json[key] ?? null)}`,
    );
  }
  return value;
}

function tokenId(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (Array.isArray(value) && typeof value[0] === 'number') return value[0];
  return null;
}

function architectureOf(json: Json, file: string): 'llama' | 'gpt2' {
  const type = json.model_type;
  const archs = Array.isArray(json.architectures) ? (json.architectures as string[]) : [];
  if (type === 'llama' || archs.includes('LlamaForCausalLM')) return 'llama';
  if (type === 'gpt2' || archs.includes('GPT2LMHeadModel')) return 'gpt2';
  throw errors.modelUnsupported(
    file,
    `model_type ${JSON.stringify(type ?? null)} (architectures ${JSON.stringify(archs)}) is not supported, expected "llama" (LlamaForCausalLM) or "gpt2" (GPT2LMHeadModel)`,
  );
}

function unsupportedIf(file: string, condition: boolean, what: string): void {
  if (condition) throw errors.modelUnsupported(file, what);
}

/** Reads a parsed config.json; `file` names it in errors. */
export function modelConfigFromHf(json: Json, file: string): ModelConfig {
  const architecture = architectureOf(json, file);
  if (architecture === 'llama') {
    const hidden = field(json, file, 'hidden_size');
    const heads = field(json, file, 'num_attention_heads');
    unsupportedIf(
      file,
      (json.hidden_act ?? 'silu') !== 'silu',
      `field "hidden_act" is ${JSON.stringify(json.hidden_act)}, only "silu" is supported`,
    );
    unsupportedIf(
      file,
      json.rope_scaling != null,
      `field "rope_scaling" is set (${JSON.stringify(json.rope_scaling)}), only plain RoPE is supported`,
    );
    unsupportedIf(
      file,
      json.attention_bias === true || json.mlp_bias === true,
      'fields "attention_bias"/"mlp_bias" are true, only bias-free Llama layers are supported',
    );
    unsupportedIf(
      file,
      typeof json.head_dim === 'number' && json.head_dim !== hidden / heads,
      `field "head_dim" is ${String(json.head_dim)}, only hidden_size / num_attention_heads = ${hidden / heads} is supported`,
    );
    return {
      architecture,
      vocabSize: field(json, file, 'vocab_size'),
      hiddenSize: hidden,
      numLayers: field(json, file, 'num_hidden_layers'),
      numHeads: heads,
      numKvHeads: field(json, file, 'num_key_value_heads', heads),
      intermediateSize: field(json, file, 'intermediate_size'),
      maxPositions: field(json, file, 'max_position_embeddings', 2048),
      tieWordEmbeddings: json.tie_word_embeddings === true,
      bosTokenId: tokenId(json.bos_token_id),
      eosTokenId: tokenId(json.eos_token_id),
      normEps: field(json, file, 'rms_norm_eps', 1e-6),
      ropeTheta: field(json, file, 'rope_theta', 10000),
    };
  }
  const hidden = field(json, file, 'n_embd');
  const activation = json.activation_function ?? 'gelu_new';
  unsupportedIf(
    file,
    activation !== 'gelu_new' && activation !== 'gelu_pytorch_tanh',
    `field "activation_function" is ${JSON.stringify(activation)}, only "gelu_new" (tanh approximation) is supported`,
  );
  unsupportedIf(
    file,
    json.scale_attn_by_inverse_layer_idx === true ||
      json.reorder_and_upcast_attn === true ||
      json.scale_attn_weights === false,
    'GPT-2 attention variants (scale_attn_by_inverse_layer_idx, reorder_and_upcast_attn, scale_attn_weights false) are not supported',
  );
  const heads = field(json, file, 'n_head');
  return {
    architecture,
    vocabSize: field(json, file, 'vocab_size'),
    hiddenSize: hidden,
    numLayers: field(json, file, 'n_layer'),
    numHeads: heads,
    numKvHeads: heads,
    intermediateSize: typeof json.n_inner === 'number' ? json.n_inner : 4 * hidden,
    maxPositions: field(json, file, 'n_positions', 1024),
    tieWordEmbeddings: json.tie_word_embeddings !== false,
    bosTokenId: tokenId(json.bos_token_id ?? 50256),
    eosTokenId: tokenId(json.eos_token_id ?? 50256),
    normEps: field(json, file, 'layer_norm_epsilon', 1e-5),
  };
}

/** The config.json transformers reads for a ModelConfig. */
export function hfConfigFromModel(config: ModelConfig): Json {
  const eps = typeof config.normEps === 'number' ? config.normEps : 1e-5;
  if (config.architecture === 'llama') {
    return {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_size: config.hiddenSize,
      intermediate_size: config.intermediateSize,
      num_hidden_layers: config.numLayers,
      num_attention_heads: config.numHeads,
      num_key_value_heads: config.numKvHeads,
      vocab_size: config.vocabSize,
      max_position_embeddings: config.maxPositions,
      rms_norm_eps: eps,
      rope_theta: typeof config.ropeTheta === 'number' ? config.ropeTheta : 10000,
      tie_word_embeddings: config.tieWordEmbeddings,
      hidden_act: 'silu',
      bos_token_id: config.bosTokenId,
      eos_token_id: config.eosTokenId,
      torch_dtype: 'float32',
    };
  }
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    n_embd: config.hiddenSize,
    n_head: config.numHeads,
    n_layer: config.numLayers,
    n_positions: config.maxPositions,
    n_ctx: config.maxPositions,
    n_inner: config.intermediateSize,
    vocab_size: config.vocabSize,
    layer_norm_epsilon: eps,
    activation_function: 'gelu_new',
    tie_word_embeddings: config.tieWordEmbeddings,
    bos_token_id: config.bosTokenId,
    eos_token_id: config.eosTokenId,
    torch_dtype: 'float32',
  };
}
