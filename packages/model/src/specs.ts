// The parameter list of each architecture: Hugging Face names, shapes, groups and output axes.
// Loaders check checkpoints against it; models create their variables from it.
import { errors } from '@allo/core';
import type { ModelConfig, ParameterGroup } from '@allo/core';

export interface ParameterSpec {
  name: string;
  shape: number[];
  group: ParameterGroup;
  layer: number | null;
  outputAxis: 0 | 1 | null;
  /** Initial value for random init: 'normal' (std 0.02), 'ones' or 'zeros'. */
  init: 'normal' | 'ones' | 'zeros';
}

/** Extra config fields allo reads besides ModelConfig's: `normEps`, `ropeTheta`. */
export function normEps(config: ModelConfig): number {
  return typeof config.normEps === 'number' ? config.normEps : 1e-5;
}

export function ropeTheta(config: ModelConfig): number {
  return typeof config.ropeTheta === 'number' ? config.ropeTheta : 10000;
}

export function headDim(config: ModelConfig): number {
  return config.hiddenSize / config.numHeads;
}

/** Checks the config's dimensions fit together; `where` names the source in errors. */
export function checkConfig(config: ModelConfig, where: string): void {
  const positive = [
    'vocabSize',
    'hiddenSize',
    'numLayers',
    'numHeads',
    'numKvHeads',
    'intermediateSize',
    'maxPositions',
  ] as const;
  for (const key of positive) {
    const value = config[key];
    if (!Number.isInteger(value) || value <= 0) {
      throw errors.modelInvalid(where, `${key} must be a positive integer, got ${String(value)}`);
    }
  }
  if (config.hiddenSize % config.numHeads !== 0) {
    throw errors.modelInvalid(
      where,
      `hiddenSize ${config.hiddenSize} is not a multiple of numHeads ${config.numHeads}`,
    );
  }
  if (config.numHeads % config.numKvHeads !== 0) {
    throw errors.modelInvalid(
      where,
      `numHeads ${config.numHeads} is not a multiple of numKvHeads ${config.numKvHeads}`,
    );
  }
  if (config.architecture === 'llama' && headDim(config) % 2 !== 0) {
    throw errors.modelInvalid(where, `head size ${headDim(config)} must be even for RoPE`);
  }
  if (config.architecture === 'gpt2' && config.numKvHeads !== config.numHeads) {
    throw errors.modelInvalid(
      where,
      `GPT-2 has numKvHeads equal to numHeads, got ${config.numKvHeads} and ${config.numHeads}`,
    );
  }
}

function matrix(
  name: string,
  shape: number[],
  group: ParameterGroup,
  layer: number | null,
  outputAxis: 0 | 1,
): ParameterSpec {
  return { name, shape, group, layer, outputAxis, init: 'normal' };
}

function vector(
  name: string,
  size: number,
  group: ParameterGroup,
  layer: number | null,
  init: 'ones' | 'zeros',
): ParameterSpec {
  return { name, shape: [size], group, layer, outputAxis: null, init };
}

/** Llama names as in transformers' LlamaForCausalLM state dict. */
export function llamaSpecs(config: ModelConfig): ParameterSpec[] {
  const D = config.hiddenSize;
  const kv = config.numKvHeads * headDim(config);
  const I = config.intermediateSize;
  const specs: ParameterSpec[] = [
    matrix('model.embed_tokens.weight', [config.vocabSize, D], 'embedding', null, 0),
  ];
  for (let l = 0; l < config.numLayers; l += 1) {
    const p = `model.layers.${l}.`;
    specs.push(
      vector(`${p}input_layernorm.weight`, D, 'norm', l, 'ones'),
      matrix(`${p}self_attn.q_proj.weight`, [D, D], 'attention', l, 0),
      matrix(`${p}self_attn.k_proj.weight`, [kv, D], 'attention', l, 0),
      matrix(`${p}self_attn.v_proj.weight`, [kv, D], 'attention', l, 0),
      matrix(`${p}self_attn.o_proj.weight`, [D, D], 'attention', l, 0),
      vector(`${p}post_attention_layernorm.weight`, D, 'norm', l, 'ones'),
      matrix(`${p}mlp.gate_proj.weight`, [I, D], 'mlp', l, 0),
      matrix(`${p}mlp.up_proj.weight`, [I, D], 'mlp', l, 0),
      matrix(`${p}mlp.down_proj.weight`, [D, I], 'mlp', l, 0),
    );
  }
  specs.push(vector('model.norm.weight', D, 'norm', null, 'ones'));
  if (!config.tieWordEmbeddings)
    specs.push(matrix('lm_head.weight', [config.vocabSize, D], 'head', null, 0));
  return specs;
}

/** GPT-2 names as in the released checkpoints (no `transformer.` prefix); Conv1D weights [in, out]. */
export function gpt2Specs(config: ModelConfig): ParameterSpec[] {
  const D = config.hiddenSize;
  const I = config.intermediateSize;
  const specs: ParameterSpec[] = [
    matrix('wte.weight', [config.vocabSize, D], 'embedding', null, 0),
    matrix('wpe.weight', [config.maxPositions, D], 'embedding', null, 0),
  ];
  for (let l = 0; l < config.numLayers; l += 1) {
    const p = `h.${l}.`;
    specs.push(
      vector(`${p}ln_1.weight`, D, 'norm', l, 'ones'),
      vector(`${p}ln_1.bias`, D, 'norm', l, 'zeros'),
      matrix(`${p}attn.c_attn.weight`, [D, 3 * D], 'attention', l, 1),
      vector(`${p}attn.c_attn.bias`, 3 * D, 'attention', l, 'zeros'),
      matrix(`${p}attn.c_proj.weight`, [D, D], 'attention', l, 1),
      vector(`${p}attn.c_proj.bias`, D, 'attention', l, 'zeros'),
      vector(`${p}ln_2.weight`, D, 'norm', l, 'ones'),
      vector(`${p}ln_2.bias`, D, 'norm', l, 'zeros'),
      matrix(`${p}mlp.c_fc.weight`, [D, I], 'mlp', l, 1),
      vector(`${p}mlp.c_fc.bias`, I, 'mlp', l, 'zeros'),
      matrix(`${p}mlp.c_proj.weight`, [I, D], 'mlp', l, 1),
      vector(`${p}mlp.c_proj.bias`, D, 'mlp', l, 'zeros'),
    );
  }
  specs.push(
    vector('ln_f.weight', D, 'norm', null, 'ones'),
    vector('ln_f.bias', D, 'norm', null, 'zeros'),
  );
  if (!config.tieWordEmbeddings)
    specs.push(matrix('lm_head.weight', [config.vocabSize, D], 'head', null, 0));
  return specs;
}

export function parameterSpecs(config: ModelConfig): ParameterSpec[] {
  return config.architecture === 'llama' ? llamaSpecs(config) : gpt2Specs(config);
}
