// Data types shared by the trainer and every plugin kind. Catalog file: big on purpose.
import type * as tf from '@tensorflow/tfjs-core';

/** One chat message, as Hugging Face chat templates see it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | (string & {});
  content: string;
}

/** Where a record came from, so that errors and drop reports can name it. */
export interface RecordSource {
  file: string;
  line: number;
}

/** A preference pair in text form: prompt, chosen response, rejected response. */
export interface PreferenceRecord {
  kind: 'preference';
  id: string;
  prompt: string;
  chosen: string;
  rejected: string;
  source?: RecordSource;
  meta?: Record<string, unknown>;
}

/** A supervised example: prompt and the response to imitate. */
export interface SftRecord {
  kind: 'sft';
  id: string;
  prompt: string;
  response: string;
  source?: RecordSource;
  meta?: Record<string, unknown>;
}

/** A problem with a checkable answer (GSM8K, arithmetic): input to self-sampling and task accuracy. */
export interface ProblemRecord {
  kind: 'problem';
  id: string;
  prompt: string;
  /** The final answer, normalised by the task's verifier (e.g. "42"). */
  answer: string;
  /** A worked reference solution, usable as an SFT target. */
  solution?: string;
  source?: RecordSource;
  meta?: Record<string, unknown>;
}

/** A response the policy got wrong, alone: the forgetting stage's input when no pair exists. */
export interface RejectedRecord {
  kind: 'rejected';
  id: string;
  prompt: string;
  rejected: string;
  source?: RecordSource;
  meta?: Record<string, unknown>;
}

export type DatasetRecord = PreferenceRecord | SftRecord | ProblemRecord | RejectedRecord;

/** Why a row was dropped; the counts go to the log and run.json. */
export type DropReason =
  | 'malformed'
  | 'prompts-differ'
  | 'empty-response'
  | 'chosen-equals-rejected'
  | 'too-long';

export type DropCounts = Partial<Record<DropReason, number>>;

/**
 * A tokenised preference pair. `chosenIds` and `rejectedIds` end with EOS; `promptIds` starts
 * with exactly one BOS (when the tokenizer has one).
 */
export interface TokenizedPair {
  id: string;
  promptIds: number[];
  chosenIds: number[];
  rejectedIds: number[];
}

/** A tokenised single response (SFT target, or a rejected response for NPO). */
export interface TokenizedResponse {
  id: string;
  promptIds: number[];
  responseIds: number[];
}

/**
 * A right-padded batch of (prompt + response) sequences. `lossMask[b][t]` is 1 where token t of
 * row b is a response token whose log-prob counts (position 0 never counts). Masks are built from
 * lengths, never by comparing ids with a pad id.
 */
export interface SequenceBatch {
  /** int32 [B, T] */
  ids: tf.Tensor2D;
  /** float32 [B, T]: 1 for real tokens, 0 for padding */
  attentionMask: tf.Tensor2D;
  /** float32 [B, T]: 1 for response tokens counted in the loss */
  lossMask: tf.Tensor2D;
  /** per row: prompt length and response length in tokens */
  promptLengths: number[];
  responseLengths: number[];
}

export interface Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  /** Id used to fill padding; never used to build masks. */
  readonly padId: number;
  /** Encode text without BOS or EOS (a dummy prefix space is the tokenizer's own business). */
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** Renders chat messages with the model's chat template, when it has one. */
  applyChatTemplate?(messages: ChatMessage[], options: { addGenerationPrompt: boolean }): string;
  /** Ids after which generation stops, besides EOS (llama2.c story models stop at BOS). */
  readonly stopIds?: readonly number[];
}

export type ParameterGroup = 'embedding' | 'attention' | 'mlp' | 'norm' | 'head';

/** One trainable tensor with its stable (Hugging Face) name. */
export interface NamedParameter {
  name: string;
  variable: tf.Variable;
  group: ParameterGroup;
  /** Decoder layer index, or null for embeddings, final norm and head. */
  layer: number | null;
  /**
   * For matrices: which axis indexes output neurons (rows of a [out, in] Linear weight are
   * axis 0; a GPT-2 Conv1D weight stored [in, out] has them on axis 1). Null for vectors.
   */
  outputAxis: 0 | 1 | null;
}

export interface ModelConfig {
  architecture: 'llama' | 'gpt2';
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  intermediateSize: number;
  maxPositions: number;
  tieWordEmbeddings: boolean;
  bosTokenId: number | null;
  eosTokenId: number | null;
  [key: string]: unknown;
}

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 decodes greedily. */
  temperature?: number;
  topP?: number;
  seed?: number;
  /** Ids that end a sequence (EOS, and BOS for story models); defaults from the tokenizer. */
  stopIds?: readonly number[];
}

export interface GenerateResult {
  /** New token ids per prompt, without the stop token. */
  tokens: number[][];
  /** Why each sequence ended. */
  finish: Array<'stop' | 'length'>;
}

/** A causal language model on tfjs whose weights the trainer reads, masks and updates by name. */
export interface CausalLM {
  readonly config: ModelConfig;
  readonly parameters: readonly NamedParameter[];
  /** Logits [B, T, V] for ids [B, T]; attentionMask [B, T] (1 = token) for left or right padding. */
  logits(ids: tf.Tensor2D, attentionMask?: tf.Tensor2D): tf.Tensor3D;
  /**
   * Per-token log-probs [B, T]: entry t is log p(ids[t] | ids[<t]) for t >= 1, 0 at t = 0.
   * Differentiable; does not depend on padding or batch composition.
   */
  tokenLogProbs(ids: tf.Tensor2D, attentionMask?: tf.Tensor2D): tf.Tensor2D;
  generate(prompts: number[][], options: GenerateOptions): GenerateResult;
  /** A deep copy with fresh variables (for the reference or a warm-up run). */
  clone(name?: string): CausalLM;
  /** Copies every parameter value from another model of the same shape. */
  copyWeightsFrom(other: CausalLM): void;
  dispose(): void;
}

/** A loaded model and its tokenizer, with where it came from. */
export interface LoadedModel {
  model: CausalLM;
  tokenizer: Tokenizer;
  /** Format and path, for run.json and checkpoints. */
  source: { format: string; path: string };
  /** Writes a Hugging Face directory (config.json + model.safetensors) atomically. */
  save(model: CausalLM, dir: string): Promise<void>;
}

/** Per-tensor selection: the flat indices (ascending) of elements a stage may update. */
export interface TensorMask {
  name: string;
  size: number;
  indices: Int32Array;
}

export interface ParameterMask {
  tensors: Map<string, TensorMask>;
  /** Selected elements over all eligible-or-not parameter elements. */
  share: number;
  selected: number;
  total: number;
}

/** Scalar metrics of one step or evaluation, slash-namespaced in the field's words. */
export type Metrics = Record<string, number>;
