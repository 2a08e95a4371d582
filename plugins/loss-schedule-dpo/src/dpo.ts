// Plain DPO as one stage (Rafailov et al. 2023, Eq. 7; `variant` switches to IPO or hinge), the
// paper's baseline. With `masked: true` it first runs a warm-up DPO (thrown away) and then trains
// only the elements the `dpo` stage's neuron selector picks from it: the paper's "top-10% DPO"
// redundancy study (Sec. 2, Fig. 1) with `neuronSelector: { use: "update-magnitude", options:
// { ratio: 0.1 } }`, or a random or bottom share with another selector.
import {
  DEFAULT_OPTIMIZER,
  bindFactory,
  definePlugin,
  objectSchema,
  optimizerOptionsSchema,
  stageBudget,
  stageOptionProperties,
  withDefaults,
} from '@allo/core';
import type {
  LossSchedule,
  OptimizerOptions,
  OptionsSchema,
  StageOptions,
  StageSpec,
} from '@allo/core';

export const ID = 'dpo';

export interface DpoScheduleOptions extends StageOptions {
  beta: number;
  variant: 'sigmoid' | 'ipo' | 'hinge';
  labelSmoothing: number;
  reduction: 'sum' | 'mean';
  masked: boolean;
  warmup: StageOptions;
  optimizer: OptimizerOptions;
}

export const dpoOptionsSchema: OptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...stageOptionProperties({ steps: 0, epochs: 1, lr: 1e-6, batchSize: 4, warmupRatio: 0.1 }),
    beta: { type: 'number', exclusiveMinimum: 0, default: 0.1, description: 'DPO β.' },
    variant: {
      enum: ['sigmoid', 'ipo', 'hinge'],
      default: 'sigmoid',
      description: 'Loss on the log-ratio margin: sigmoid (DPO), ipo, hinge (SLiC).',
    },
    labelSmoothing: {
      type: 'number',
      minimum: 0,
      maximum: 0.5,
      default: 0,
      description: 'Conservative-DPO label smoothing (sigmoid variant).',
    },
    reduction: {
      enum: ['sum', 'mean'],
      default: 'sum',
      description: 'Sequence log-prob over response tokens: their sum (DPO) or their mean.',
    },
    masked: {
      type: 'boolean',
      default: false,
      description: 'Run a warm-up first and train only the elements the neuron selector picks.',
    },
    warmup: objectSchema(
      'The warm-up DPO run before selection, when masked (paper: 1 epoch, lr 1e-6).',
      stageOptionProperties({ steps: 0, epochs: 1, lr: 1e-6, batchSize: 4, warmupRatio: 0.1 }),
    ),
    optimizer: optimizerOptionsSchema(DEFAULT_OPTIMIZER),
  },
};

export function dpoStages(given: Partial<DpoScheduleOptions> = {}): StageSpec[] {
  const options = withDefaults<DpoScheduleOptions>(dpoOptionsSchema, given);
  const objective = {
    type: 'dpo' as const,
    beta: options.beta,
    variant: options.variant,
    labelSmoothing: options.labelSmoothing,
    reduction: options.reduction,
  };
  const dpo: StageSpec = {
    name: 'dpo',
    objective,
    init: 'reference',
    reference: 'initial',
    mask: options.masked ? { kind: 'selector', warmupStage: 'warmup' } : { kind: 'all' },
    tokenWeights: false,
    data: 'pairs',
    ...stageBudget(options, options.optimizer),
    discard: false,
  };
  if (!options.masked) return [dpo];
  const warmup: StageSpec = {
    ...dpo,
    name: 'warmup',
    objective: { ...objective, variant: 'sigmoid', labelSmoothing: 0 },
    mask: { kind: 'all' },
    ...stageBudget(options.warmup, options.optimizer),
    discard: true,
  };
  return [warmup, dpo];
}

export function createDpoSchedule(options: Partial<DpoScheduleOptions>): LossSchedule {
  const stages = dpoStages(options);
  return { stages: () => structuredClone(stages) };
}

export const dpoSchedulePlugin = definePlugin<'schedule', DpoScheduleOptions>({
  id: ID,
  kind: 'schedule',
  version: '0.1.0',
  description:
    'DPO (sigmoid, IPO or hinge), optionally only on the elements a neuron selector picks after a warm-up',
  optionsSchema: dpoOptionsSchema,
  register: bindFactory('schedule', (options) => createDpoSchedule(options)),
});
