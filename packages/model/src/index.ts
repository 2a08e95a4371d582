// Public names of @allo/model, listed explicitly.
export { DecoderLM } from './decoder.js';
export type { ForwardInput, ForwardOutput, ParameterInit } from './decoder.js';
export { LlamaModel } from './llama.js';
export { Gpt2Model } from './gpt2.js';
export { createModel, modelFromValues } from './create.js';
export type { NamedValues } from './create.js';
export { createRng, generateTokens, sampleToken } from './generation.js';
export type { LayerCache } from './layers.js';
export {
  checkConfig,
  gpt2Specs,
  headDim,
  llamaSpecs,
  normEps,
  parameterSpecs,
  ropeTheta,
} from './specs.js';
export type { ParameterSpec } from './specs.js';
export {
  llama2cConfig,
  llama2cFloatCount,
  loadLlama2cModel,
  parseLlama2cCheckpoint,
  permuteRotary,
  readLlama2cCheckpoint,
} from './llama2c-checkpoint.js';
export type { Llama2cCheckpoint, Llama2cHeader } from './llama2c-checkpoint.js';
export { Llama2cTokenizer } from './tokenizer-llama2c.js';
export { HfTokenizer } from './tokenizer-hf.js';
export type { HfTokenizerDefaults } from './tokenizer-hf.js';
export {
  findTokenizer,
  loadTokenizer,
  resolveTokenizer,
  tokenizerFiles,
  TOKENIZER_FILES,
} from './tokenizers.js';
export { hfConfigFromModel, modelConfigFromHf } from './hf-config.js';
export {
  HF_INDEX,
  HF_WEIGHTS,
  isHfDirectory,
  loadHfModel,
  readHfConfig,
  readHfWeights,
} from './hf-directory.js';
export { saveHfDirectory } from './save.js';
export type { SaveOptions } from './save.js';
export { loadHfDirectory, loadLlama2c, looksLikeLlama2c } from './loaders.js';
export type { LoadOptions } from './loaders.js';
export { bindModelLoader } from './bind-loader.js';
export type { PathLoader } from './bind-loader.js';
