// Option schemas and builders shared by the LossSchedule plugins: a stage's length and learning
// settings, and the AdamW settings, each with a default for every field.
import type { OptimizerSpec } from '../extension-points.js';

/** How long a stage runs and how it learns. */
export interface StageOptions {
  /** Optimizer steps; 0 runs `epochs` passes over the data instead. */
  steps: number;
  epochs: number;
  lr: number;
  batchSize: number;
  /** Share of the stage's steps spent warming the learning rate up linearly. */
  warmupRatio: number;
}

/** AdamW settings shared by a schedule's stages. */
export interface OptimizerOptions {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maxGradNorm: number;
  schedule: OptimizerSpec['schedule'];
}

export const DEFAULT_OPTIMIZER: OptimizerOptions = {
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 0,
  maxGradNorm: 1,
  schedule: 'cosine',
};

type Schema = Record<string, unknown>;

/** JSON Schema properties of StageOptions, with the given defaults (the paper's, per stage). */
export function stageOptionProperties(defaults: StageOptions): Record<string, Schema> {
  return {
    steps: {
      type: 'integer',
      minimum: 0,
      default: defaults.steps,
      description: 'Optimizer steps; 0 runs `epochs` passes over the training data instead.',
    },
    epochs: {
      type: 'integer',
      minimum: 1,
      default: defaults.epochs,
      description: 'Passes over the training data when steps is 0.',
    },
    lr: {
      type: 'number',
      exclusiveMinimum: 0,
      default: defaults.lr,
      description: 'Peak learning rate.',
    },
    batchSize: {
      type: 'integer',
      minimum: 1,
      default: defaults.batchSize,
      description: 'Pairs (or responses) per optimizer step.',
    },
    warmupRatio: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: defaults.warmupRatio,
      description: 'Share of the steps with a linear learning-rate warm-up.',
    },
  };
}

/** A closed object schema whose own default is `{}`, so that ajv fills every nested default. */
export function objectSchema(description: string, properties: Record<string, Schema>): Schema {
  return { type: 'object', description, additionalProperties: false, default: {}, properties };
}

export function optimizerOptionsSchema(defaults: OptimizerOptions = DEFAULT_OPTIMIZER): Schema {
  return objectSchema(
    'AdamW settings shared by every stage (decoupled weight decay applies to masked elements only).',
    {
      betas: {
        type: 'array',
        items: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        minItems: 2,
        maxItems: 2,
        default: defaults.betas,
        description: 'Adam β1 and β2.',
      },
      eps: { type: 'number', exclusiveMinimum: 0, default: defaults.eps, description: 'Adam ε.' },
      weightDecay: {
        type: 'number',
        minimum: 0,
        default: defaults.weightDecay,
        description: 'Decoupled weight decay.',
      },
      maxGradNorm: {
        type: 'number',
        minimum: 0,
        default: defaults.maxGradNorm,
        description: 'Global-norm gradient clipping over the selected elements; 0 turns it off.',
      },
      schedule: {
        enum: ['cosine', 'linear', 'constant'],
        default: defaults.schedule,
        description: 'Learning-rate schedule after the warm-up.',
      },
    },
  );
}

/** The budget every stage takes from its options: steps or epochs, batch size, optimizer. */
export function stageBudget(
  stage: StageOptions,
  optimizer: OptimizerOptions,
): { steps: number; epochs: number; batchSize: number; optimizer: OptimizerSpec } {
  return {
    steps: stage.steps,
    epochs: stage.epochs,
    batchSize: stage.batchSize,
    optimizer: optimizerSpec(stage, optimizer),
  };
}

export function optimizerSpec(stage: StageOptions, optimizer: OptimizerOptions): OptimizerSpec {
  return {
    lr: stage.lr,
    betas: [optimizer.betas[0], optimizer.betas[1]],
    eps: optimizer.eps,
    weightDecay: optimizer.weightDecay,
    maxGradNorm: optimizer.maxGradNorm,
    warmupRatio: stage.warmupRatio,
    schedule: optimizer.schedule,
  };
}

/**
 * Fills every missing field from the schema's defaults, recursively (what ajv's useDefaults does
 * before `register`), so that factories called directly with partial options behave the same.
 */
export function withDefaults<T>(schema: Schema, value: unknown): T {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const given = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const out: Record<string, unknown> = { ...given };
  for (const [key, sub] of Object.entries(properties)) {
    if (out[key] === undefined && 'default' in sub) out[key] = structuredClone(sub.default);
    if (sub.type === 'object' && sub.properties !== undefined)
      out[key] = withDefaults(sub, out[key]);
  }
  return out as T;
}
