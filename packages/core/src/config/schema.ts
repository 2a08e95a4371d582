// The core config schema: top-level keys and the shape of a plugin slot. Each slot's options are
// checked against its plugin's own schema in validate.ts; `assembleSchema` joins both into one
// JSON Schema that editors use to complete configs (`$schema`).
import type { PluginKind } from '../extension-points.js';
import type { PluginRegistry } from '../registry.js';
import { dataOptionsSchema } from '../data/options.js';

export interface SlotConfig {
  use: string;
  options: Record<string, unknown>;
}

export interface StageOverride {
  neuronSelector?: SlotConfig;
  tokenScorer?: SlotConfig;
}

export interface BaselineConfig extends SlotConfig {
  neuronSelector?: SlotConfig;
  tokenScorer?: SlotConfig;
}

export interface EvalConfig {
  /** Pairs per evaluation batch. */
  batchSize: number;
  /** Beta of the reported implicit rewards. */
  beta: number;
  /** Held-out prompts sampled once each for the KL estimate (0 turns it off). */
  klSamples: number;
  /** Tokens per sampled response (KL estimate and the report's samples). */
  maxNewTokens: number;
  /** Held-out prompts whose responses the report shows before and after. */
  showSamples: number;
  /** The split evaluated: `validation` while tuning, `eval` (held out) for results. */
  split: 'eval' | 'validation';
}

export interface AlloConfig {
  $schema?: string;
  name: string;
  description?: string;
  seed: number;
  /** Run directory; null: runs/<name>-<timestamp>. */
  out: string | null;
  plugins: string[];
  backend: SlotConfig;
  model: SlotConfig;
  dataset: SlotConfig;
  /** Separate held-out pairs; when absent the eval split comes from `dataset`. */
  evalDataset?: SlotConfig;
  data: Record<string, unknown>;
  schedule: SlotConfig;
  neuronSelector: SlotConfig;
  tokenScorer: SlotConfig;
  /** Per-stage overrides of the selector and scorer slots, keyed by stage name. */
  stages: Record<string, StageOverride>;
  /**
   * Schedules trained from the same model with the same data and seed, for comparison; each may
   * name its own selector and scorer (the redundancy study: top, random, bottom masks).
   */
  baselines: Record<string, BaselineConfig>;
  eval: EvalConfig;
}

/** Slot name → plugin kind. `evalDataset` is a second dataset slot. */
export const SLOT_KINDS: ReadonlyArray<[keyof AlloConfig, PluginKind]> = [
  ['backend', 'backend'],
  ['model', 'model'],
  ['dataset', 'dataset'],
  ['evalDataset', 'dataset'],
  ['schedule', 'schedule'],
  ['neuronSelector', 'neuronSelector'],
  ['tokenScorer', 'tokenScorer'],
];

/** The backend slot also accepts `auto`: the first available of tfjs-node-gpu, tfjs-node, native, cpu. */
export const AUTO_BACKEND = 'auto';

function slotSchema(description: string): Record<string, unknown> {
  return {
    type: 'object',
    description,
    properties: {
      use: { type: 'string', description: 'plugin id (unique per kind) or its npm package name' },
      options: { type: 'object', default: {} },
    },
    required: ['use'],
    additionalProperties: false,
  };
}

let cachedCore: Record<string, unknown> | null = null;

/** The core schema (one shared object: callers that change it clone it first). */
export function coreSchema(): Record<string, unknown> {
  cachedCore ??= buildCoreSchema();
  return cachedCore;
}

function buildCoreSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'allo run config',
    type: 'object',
    properties: {
      $schema: { type: 'string' },
      name: {
        type: 'string',
        minLength: 1,
        pattern: '^[A-Za-z0-9._-]+$',
        default: 'run',
        description: 'run name: the run directory is runs/<name>-<timestamp>',
      },
      description: {
        type: 'string',
        description: 'free text: what the run is for and how its settings were chosen',
      },
      seed: {
        type: 'integer',
        minimum: 0,
        default: 0,
        description:
          'seed of shuffling, sampling and random masks: same config and seed, same metrics on the cpu backend',
      },
      out: {
        type: ['string', 'null'],
        default: null,
        description:
          'run directory (relative to the config); null: runs/<name>-<timestamp> under the working directory',
      },
      plugins: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        default: [],
        description: 'extra plugin packages: npm names, or paths relative to the config',
      },
      backend: slotSchema('how tensors run: auto, native, cpu, tfjs-node, tfjs-node-gpu'),
      model: slotSchema('the model loader and its path'),
      dataset: slotSchema('the training pairs'),
      evalDataset: slotSchema('separate held-out pairs'),
      data: {
        ...(structuredClone(dataOptionsSchema) as unknown as Record<string, unknown>),
        description: 'lengths, splits and limits of the tokenised data',
      },
      schedule: slotSchema('the loss schedule: allo, dpo, npo, sft'),
      neuronSelector: slotSchema('how masks are chosen'),
      tokenScorer: slotSchema('how response tokens are weighted'),
      stages: {
        type: 'object',
        default: {},
        description:
          'per-stage overrides of neuronSelector and tokenScorer, keyed by stage name (warmup, forgetting, learning, dpo, ...)',
        additionalProperties: {
          type: 'object',
          properties: {
            neuronSelector: slotSchema('this stage’s neuron selector'),
            tokenScorer: slotSchema('this stage’s token scorer'),
          },
          additionalProperties: false,
        },
      },
      baselines: {
        type: 'object',
        default: {},
        description:
          'schedules trained from the same model with the same data and seed for comparison, keyed by the name they get in eval.json; each may set its own neuronSelector and tokenScorer; null removes one',
        additionalProperties: {
          ...slotSchema('a schedule to compare against'),
          properties: {
            ...(slotSchema('').properties as object),
            neuronSelector: slotSchema('this baseline’s neuron selector'),
            tokenScorer: slotSchema('this baseline’s token scorer'),
          },
        },
      },
      eval: {
        type: 'object',
        default: {},
        description: 'held-out evaluation of the reference and every trained model',
        properties: {
          batchSize: {
            type: 'integer',
            minimum: 1,
            default: 8,
            description: 'pairs per evaluation batch',
          },
          beta: {
            type: 'number',
            exclusiveMinimum: 0,
            default: 0.1,
            description: 'β of the reported implicit rewards',
          },
          klSamples: {
            type: 'integer',
            minimum: 0,
            default: 8,
            description:
              'held-out prompts whose sampled responses (one each, temperature 1) estimate each model’s KL to the reference; 0 turns it off',
          },
          maxNewTokens: {
            type: 'integer',
            minimum: 1,
            default: 48,
            description: 'tokens per sampled response (KL estimate, report samples)',
          },
          showSamples: {
            type: 'integer',
            minimum: 0,
            default: 3,
            description: 'held-out prompts whose responses the report shows for every model',
          },
          split: {
            type: 'string',
            enum: ['eval', 'validation'],
            default: 'eval',
            description: 'which held-out split is evaluated: tune on validation, report on eval',
          },
        },
        additionalProperties: false,
      },
    },
    required: ['backend', 'model', 'dataset', 'schedule', 'neuronSelector', 'tokenScorer'],
    additionalProperties: false,
  };
}

/** Core schema plus, for each slot, the options schema of every plugin of its kind. */
export function assembleSchema(registry: PluginRegistry): Record<string, unknown> {
  const schema = structuredClone(coreSchema()) as {
    properties: Record<string, Record<string, unknown>>;
  };
  const slotFor = (kind: PluginKind, base: Record<string, unknown>): Record<string, unknown> => {
    const plugins = registry.all().filter((p) => p.declaration.kind === kind);
    const ids = plugins.map((p) => p.declaration.id);
    if (kind === 'backend') ids.push(AUTO_BACKEND);
    return {
      ...base,
      properties: { ...(base.properties as object), use: { type: 'string', enum: ids } },
      allOf: plugins.map((p) => ({
        if: { properties: { use: { const: p.declaration.id } } },
        then: { properties: { options: p.declaration.optionsSchema } },
      })),
    };
  };
  for (const [slot, kind] of SLOT_KINDS) {
    schema.properties[slot as string] = slotFor(kind, schema.properties[slot as string]);
  }
  const stageProps = (
    schema.properties.stages.additionalProperties as {
      properties: Record<string, Record<string, unknown>>;
    }
  ).properties;
  stageProps.neuronSelector = slotFor('neuronSelector', stageProps.neuronSelector);
  stageProps.tokenScorer = slotFor('tokenScorer', stageProps.tokenScorer);
  const baseline = slotFor(
    'schedule',
    schema.properties.baselines.additionalProperties as Record<string, unknown>,
  ) as {
    properties: Record<string, Record<string, unknown>>;
  };
  baseline.properties.neuronSelector = slotFor(
    'neuronSelector',
    baseline.properties.neuronSelector,
  );
  baseline.properties.tokenScorer = slotFor('tokenScorer', baseline.properties.tokenScorer);
  schema.properties.baselines.additionalProperties = baseline;
  return schema;
}
