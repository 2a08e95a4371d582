// The closed list of extension points. Each kind is an interface beside its DI token; the
// `PluginKinds` map ties a kind name to its interface, so a kind left out of a dispatcher fails
// to compile.
import type { InjectionToken } from 'tsyringe';

import type { Logger } from './logger.js';
import type {
  CausalLM,
  DatasetRecord,
  DropCounts,
  LoadedModel,
  NamedParameter,
  ParameterMask,
  SequenceBatch,
  Tokenizer,
  TokenizedPair,
} from './types.js';

/** What every plugin implementation is handed besides its own options. */
export interface PluginContext {
  logger: Logger;
  /** The run's seed, for anything random. */
  seed: number;
  /** The run directory, for caches the plugin keeps; null outside a run. */
  runDir: string | null;
  /** Directory the config file sits in: relative paths in options resolve against it. */
  configDir: string;
}

// ----- Backend -----------------------------------------------------------------------------

export interface BackendInfo {
  /** tfjs backend name after set-up, e.g. "cpu", "allo-native", "tensorflow". */
  name: string;
  /** Human description: what it is and why it was picked. */
  description: string;
  /** What it can do. */
  capabilities: { gpu: boolean; nativeMatMul: boolean; threads: number; float64: boolean };
}

export interface Backend {
  /** True when this backend can run here (its packages import, its addon is built). */
  available(): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Registers and selects the tfjs backend; returns what it is. */
  initialise(): Promise<BackendInfo>;
}

export const BACKEND: InjectionToken<Backend> = Symbol.for('allo.Backend');

// ----- ModelLoader -------------------------------------------------------------------------

export interface ModelLoader {
  /** True when this loader understands the path (a llama2.c .bin, a Hugging Face directory). */
  accepts(path: string): Promise<boolean>;
  load(path: string, options: { tokenizer?: string }): Promise<LoadedModel>;
}

export const MODEL_LOADER: InjectionToken<ModelLoader> = Symbol.for('allo.ModelLoader');

// ----- DatasetLoader -----------------------------------------------------------------------

export interface DatasetContext extends PluginContext {
  /** The policy and its tokenizer: self-sampling datasets generate from it. */
  model: CausalLM;
  tokenizer: Tokenizer;
}

export interface DatasetLoader {
  /** Validated records, streamed in file order. */
  records(context: DatasetContext): AsyncIterable<DatasetRecord>;
  /** Rows dropped while streaming, by reason; complete once iteration ends. */
  dropped(): DropCounts;
}

export const DATASET_LOADER: InjectionToken<DatasetLoader> = Symbol.for('allo.DatasetLoader');

// ----- NeuronSelector ----------------------------------------------------------------------

export interface SelectorInput {
  parameters: readonly NamedParameter[];
  /** Values before the warm-up (the reference), by parameter name. */
  before: ReadonlyMap<string, Float32Array>;
  /** Values after the warm-up, by parameter name (selectors that need a warm-up). */
  after?: ReadonlyMap<string, Float32Array>;
  /**
   * Accumulates per-element scores from batches of the preference loss, for selectors that
   * need gradients: calls `visit` with each batch's gradient by parameter name.
   */
  gradients?: (batches: number, visit: (grads: ReadonlyMap<string, Float32Array>) => void) => Promise<void>;
}

export interface NeuronSelector {
  /** What the selector needs before it can select. */
  readonly needs: 'warmup' | 'gradients' | 'nothing';
  select(input: SelectorInput): Promise<ParameterMask>;
}

export const NEURON_SELECTOR: InjectionToken<NeuronSelector> = Symbol.for('allo.NeuronSelector');

// ----- TokenScorer -------------------------------------------------------------------------

export interface TokenScoreInput {
  pairs: readonly TokenizedPair[];
  /** Which response of each pair to score. */
  response: 'rejected' | 'chosen';
  tokenizer: Tokenizer;
  policy: CausalLM;
  reference: CausalLM;
  /** The warm-up model, when the schedule ran one (the implicit-reward scorer needs it). */
  warmup?: CausalLM;
}

export interface TokenScorer {
  readonly needs: 'warmup' | 'nothing' | 'model';
  /** A weight per response token (EOS included) for each pair, same length as the response ids. */
  score(input: TokenScoreInput): Promise<Float32Array[]>;
}

export const TOKEN_SCORER: InjectionToken<TokenScorer> = Symbol.for('allo.TokenScorer');

// ----- LossSchedule ------------------------------------------------------------------------

/** One objective, with its paper's hyper-parameters. */
export type ObjectiveSpec =
  | {
      type: 'dpo';
      beta: number;
      variant: 'sigmoid' | 'ipo' | 'hinge';
      labelSmoothing: number;
      reduction: 'sum' | 'mean';
    }
  | { type: 'key-token-dpo'; beta: number; eps: number; reduction: 'sum' | 'mean' }
  | { type: 'npo'; beta: number }
  | { type: 'sft'; reduction: 'sum' | 'mean' };

export interface OptimizerSpec {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** Global-norm clipping; 0 turns it off. */
  maxGradNorm: number;
  warmupRatio: number;
  schedule: 'cosine' | 'linear' | 'constant';
}

export interface StageSpec {
  /** Stage name, used in metrics, events, checkpoints and `stages.<name>` config overrides. */
  name: string;
  objective: ObjectiveSpec;
  /** Where the policy starts: the initial model, or the previous kept stage's result. */
  init: 'reference' | 'previous';
  /** The DPO/NPO reference: the initial model, or this stage's starting weights. */
  reference: 'initial' | 'start';
  /**
   * Which elements the stage updates: all, or a mask from the neuron selector computed from
   * the named earlier stage (a warm-up) or from gradients.
   */
  mask: { kind: 'all' } | { kind: 'selector'; warmupStage?: string };
  /** Weight each response token with the token scorer (forgetting stage). */
  tokenWeights: boolean;
  /** Which responses the stage trains on. */
  data: 'pairs' | 'rejected' | 'chosen';
  optimizer: OptimizerSpec;
  /** Length of the stage: optimizer steps, or epochs over the data when steps is 0. */
  steps: number;
  epochs: number;
  batchSize: number;
  /** A warm-up stage whose result is thrown away after selection. */
  discard: boolean;
}

export interface ScheduleContext extends PluginContext {
  /** Number of training pairs available. */
  trainSize: number;
}

export interface LossSchedule {
  stages(context: ScheduleContext): StageSpec[];
}

export const LOSS_SCHEDULE: InjectionToken<LossSchedule> = Symbol.for('allo.LossSchedule');

// ----- The closed list ---------------------------------------------------------------------

export interface PluginKinds {
  backend: Backend;
  model: ModelLoader;
  dataset: DatasetLoader;
  schedule: LossSchedule;
  neuronSelector: NeuronSelector;
  tokenScorer: TokenScorer;
}

export type PluginKind = keyof PluginKinds;

export const PLUGIN_KINDS: readonly PluginKind[] = [
  'backend',
  'model',
  'dataset',
  'schedule',
  'neuronSelector',
  'tokenScorer',
];

export const TOKENS: { [K in PluginKind]: InjectionToken<PluginKinds[K]> } = {
  backend: BACKEND,
  model: MODEL_LOADER,
  dataset: DATASET_LOADER,
  schedule: LOSS_SCHEDULE,
  neuronSelector: NEURON_SELECTOR,
  tokenScorer: TOKEN_SCORER,
};

/** Re-exported for plugin authors who batch sequences themselves. */
export type { SequenceBatch };
