// The ALLO schedule (Chen et al., EMNLP 2024, "Not Everything is All You Need", Sec. 3 and
// Algorithm 1): a warm-up DPO run from the reference that is thrown away once it has shown which
// elements move → forgetting: token-weighted NPO on rejected responses from the reference, under
// the forgetting stage's mask → learning: key-token DPO from the forgetting result, which is also
// its reference (as in the official code), under the learning stage's mask. Both masks come from
// the same warm-up, each through its own stage's neuron selector (`stages.forgetting` and
// `stages.learning` in the config may set different ratios). Defaults are the paper's.
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

export const ID = 'allo';

export interface AlloStageOptions extends StageOptions {
  beta: number;
}

export interface AlloScheduleOptions {
  warmup: AlloStageOptions;
  forgetting: AlloStageOptions;
  learning: AlloStageOptions & { eps: number };
  reduction: 'sum' | 'mean';
  optimizer: OptimizerOptions;
}

const beta = (value: number) => ({
  type: 'number',
  exclusiveMinimum: 0,
  default: value,
  description: "β of the stage's objective.",
});

export const alloOptionsSchema: OptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    warmup: objectSchema(
      'The warm-up DPO run (paper: 1 epoch, lr 1e-6, β 0.1, warm-up ratio 0.1); its result only feeds the neuron selectors.',
      {
        ...stageOptionProperties({ steps: 0, epochs: 1, lr: 1e-6, batchSize: 4, warmupRatio: 0.1 }),
        beta: beta(0.1),
      },
    ),
    forgetting: objectSchema(
      'The forgetting stage: token-weighted NPO on rejected responses (paper: lr 5e-7, β 0.1).',
      {
        ...stageOptionProperties({ steps: 0, epochs: 1, lr: 5e-7, batchSize: 4, warmupRatio: 0.1 }),
        beta: beta(0.1),
      },
    ),
    learning: objectSchema('The learning stage: key-token DPO (paper: lr 5e-6, β 0.1, ε 0.1).', {
      ...stageOptionProperties({ steps: 0, epochs: 1, lr: 5e-6, batchSize: 4, warmupRatio: 0.1 }),
      beta: beta(0.1),
      eps: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0.1,
        description:
          "Share ε of each rejected response's tokens that key-token DPO keeps (at least one token when ε > 0).",
      },
    }),
    reduction: {
      enum: ['sum', 'mean'],
      default: 'sum',
      description: 'Sequence log-prob over response tokens: their sum (the paper) or their mean.',
    },
    optimizer: optimizerOptionsSchema(DEFAULT_OPTIMIZER),
  },
};

export function alloStages(given: Partial<AlloScheduleOptions> = {}): StageSpec[] {
  const options = withDefaults<AlloScheduleOptions>(alloOptionsSchema, given);
  const common = (name: string, stage: StageOptions) => ({
    name,
    ...stageBudget(stage, options.optimizer),
  });
  return [
    {
      ...common('warmup', options.warmup),
      objective: {
        type: 'dpo',
        beta: options.warmup.beta,
        variant: 'sigmoid',
        labelSmoothing: 0,
        reduction: options.reduction,
      },
      init: 'reference',
      reference: 'initial',
      mask: { kind: 'all' },
      tokenWeights: false,
      data: 'pairs',
      discard: true,
    },
    {
      ...common('forgetting', options.forgetting),
      objective: { type: 'npo', beta: options.forgetting.beta },
      init: 'reference',
      reference: 'initial',
      mask: { kind: 'selector', warmupStage: 'warmup' },
      tokenWeights: true,
      data: 'rejected',
      discard: false,
    },
    {
      ...common('learning', options.learning),
      objective: {
        type: 'key-token-dpo',
        beta: options.learning.beta,
        eps: options.learning.eps,
        reduction: options.reduction,
      },
      init: 'previous',
      reference: 'start',
      mask: { kind: 'selector', warmupStage: 'warmup' },
      tokenWeights: false,
      data: 'pairs',
      discard: false,
    },
  ];
}

export function createAlloSchedule(options: Partial<AlloScheduleOptions>): LossSchedule {
  const stages = alloStages(options);
  return { stages: () => structuredClone(stages) };
}

export const alloSchedulePlugin = definePlugin<'schedule', AlloScheduleOptions>({
  id: ID,
  kind: 'schedule',
  version: '0.1.0',
  description:
    'ALLO: warm-up DPO → neuron masks → forgetting (token-weighted NPO) → learning (key-token DPO)',
  optionsSchema: alloOptionsSchema,
  register: bindFactory('schedule', (options) => createAlloSchedule(options)),
});
