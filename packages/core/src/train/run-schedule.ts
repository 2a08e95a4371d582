// The stage runner: executes a LossSchedule's stages in order (DESIGN.md, "The method"). The
// initial policy is cloned once into the frozen reference; each stage trains a fresh clone of
// its start (the reference, or the previous kept stage's result), under a mask from its neuron
// selector when it asks for one, with reference log-probs computed once and cached.
import * as tf from '@tensorflow/tfjs-core';

import { errors } from '../errors.js';
import type { EventBus } from '../events.js';
import type {
  NeuronSelector,
  ObjectiveSpec,
  SelectorInput,
  StageSpec,
  TokenScorer,
} from '../extension-points.js';
import type { Logger } from '../logger.js';
import type {
  CausalLM,
  Metrics,
  ParameterMask,
  TokenizedPair,
  TokenizedResponse,
  Tokenizer,
} from '../types.js';
import { learningRate } from './lr-schedule.js';
import { weightsOf } from './logps.js';
import { MaskedAdamW } from './masked-adamw.js';
import { ReferenceCache } from './reference-cache.js';
import { batchOrder, mixSeed } from './shuffle.js';
import { needsReference, prepareBatch, sidesOf, stageData } from './stage-objective.js';
import type { Side, StageData } from './stage-objective.js';
import type { SequenceRow } from '../data/batch.js';

export interface TrainingInputs {
  policy: CausalLM;
  tokenizer: Tokenizer;
  train: TokenizedPair[];
  /** Rejected responses without a pair: extra examples for stages whose data is 'rejected' (NPO). */
  rejected?: TokenizedResponse[];
  /** SFT targets without a pair: extra examples for stages whose data is 'chosen' (SFT). */
  sft?: TokenizedResponse[];
  stages: StageSpec[];
  resolve: {
    neuronSelector(stage: string): NeuronSelector;
    tokenScorer(stage: string): TokenScorer;
  };
  events: EventBus;
  logger: Logger;
  seed: number;
  runDir: string | null;
  signal?: AbortSignal;
  onStageEnd?(stage: StageSpec, model: CausalLM, mask: ParameterMask | null): Promise<void>;
}

export interface StageOutcome {
  name: string;
  /** Means over the stage's steps, plus `mask/share`. */
  metrics: Metrics;
  mask: ParameterMask | null;
  steps: number;
}

export interface ScheduleResult {
  /** The last kept stage's model (the caller disposes it); the reference's clone when none ran. */
  final: CausalLM;
  stages: StageOutcome[];
  interrupted: boolean;
}

/** Batch size for reference log-prob passes (no gradient, so larger than a training batch). */
const REFERENCE_BATCH = 16;

/** The first `steps` batches of the seeded order, and the sorted rows they visit, re-indexed. */
export function planBatches(
  count: number,
  batchSize: number,
  seed: number,
  steps: number,
): { batches: number[][]; used: number[] } {
  const order = batchOrder(count, batchSize, seed);
  const raw = Array.from({ length: steps }, () => order.next().value as number[]);
  const used = [...new Set(raw.flat())].sort((a, b) => a - b);
  const position = new Map(used.map((row, i) => [row, i]));
  return { batches: raw.map((batch) => batch.map((row) => position.get(row)!)), used };
}

/** The rows of `data` at `used` (ascending), in that order. */
function subsetStageData(data: StageData, used: readonly number[]): StageData {
  if (used.length === data.count) return data;
  const rows: StageData['rows'] = {};
  for (const [side, list] of Object.entries(data.rows) as Array<[Side, SequenceRow[]]>) {
    rows[side] = used.map((i) => list[i]);
  }
  return { ...data, rows, count: used.length, reference: {}, weights: null };
}

export function totalSteps(stage: StageSpec, trainSize: number): number {
  if (stage.steps > 0) return stage.steps;
  return stage.epochs * Math.ceil(trainSize / Math.max(1, stage.batchSize));
}

export async function runSchedule(inputs: TrainingInputs): Promise<ScheduleResult> {
  const { train, stages, events, logger } = inputs;
  const cache = new ReferenceCache(inputs.runDir);
  const reference = inputs.policy.clone('reference');
  const results = new Map<string, CausalLM>();
  const owned: CausalLM[] = [reference];
  const outcomes: StageOutcome[] = [];
  let lastKept: CausalLM | null = null;
  let lastDiscarded: CausalLM | undefined;
  let interrupted = false;
  let referenceWeights: Map<string, Float32Array> | null = null;
  const referenceValues = () => (referenceWeights ??= weightsOf(reference.parameters));

  try {
    for (let index = 0; index < stages.length && !interrupted; index += 1) {
      if (inputs.signal?.aborted) {
        interrupted = true;
        break;
      }
      const stage = stages[index];
      const started = performance.now();
      const start: CausalLM =
        stage.init === 'reference' || lastKept === null ? reference : lastKept;
      if (stage.init === 'previous' && lastKept === null) {
        logger.warnOnce(
          `init-previous:${stage.name}`,
          `stage "${stage.name}": init "previous" but no earlier stage was kept; starting from the reference`,
        );
      }
      const stageReference = stage.reference === 'start' ? start : reference;
      const model: CausalLM = start.clone(stage.name);
      owned.push(model);

      const sides = sidesOf(stage.objective, stage.data);
      const extra =
        sides.length === 2 ? [] : ((sides[0] === 'rejected' ? inputs.rejected : inputs.sft) ?? []);
      const allData = stageData(
        train,
        sides,
        extra.map((r) => ({ promptIds: r.promptIds, responseIds: r.responseIds })),
        inputs.tokenizer.padId,
      );
      if (allData.count === 0) {
        throw errors.dataEmpty(
          `stage "${stage.name}": no training example (${sides.length === 2 ? 'pairs' : `${sides[0]} responses`}); the dataset produced no usable row for it after tokenisation`,
        );
      }
      // The batches are fixed by the seed before anything is computed, so reference log-probs and
      // token weights are computed only for the rows the stage's steps visit (a short stage over
      // a large dataset touches a small share of it).
      const steps = totalSteps(stage, allData.count);
      const planned = planBatches(
        allData.count,
        Math.max(1, stage.batchSize),
        mixSeed(inputs.seed, index),
        steps,
      );
      const data = subsetStageData(allData, planned.used);
      const visitedPairs = planned.used.filter((i) => i < train.length).map((i) => train[i]);
      const visitedExtra = planned.used
        .filter((i) => i >= train.length)
        .map((i) => extra[i - train.length]);

      const withReference = async (d: StageData, side: Side) => {
        d.reference[side] ??= (
          await cache.get(stageReference, d.rows[side]!, inputs.tokenizer, REFERENCE_BATCH)
        ).logps;
      };
      if (needsReference(stage.objective))
        for (const side of sides) await withReference(data, side);
      const pairData = async () => {
        const d = stageData(train, ['chosen', 'rejected'], [], inputs.tokenizer.padId);
        await withReference(d, 'chosen');
        await withReference(d, 'rejected');
        return d;
      };

      const warmup =
        stage.mask.kind === 'selector' && stage.mask.warmupStage !== undefined
          ? results.get(stage.mask.warmupStage)
          : undefined;
      if (
        stage.mask.kind === 'selector' &&
        stage.mask.warmupStage !== undefined &&
        warmup === undefined
      ) {
        throw errors.trainingFailed(
          stage.name,
          `mask.warmupStage "${stage.mask.warmupStage}" is not an earlier stage of this schedule (earlier: ${[...results.keys()].join(', ') || 'none'})`,
        );
      }

      let mask: ParameterMask | null = null;
      if (stage.mask.kind === 'selector') {
        const selector = inputs.resolve.neuronSelector(stage.name);
        if (selector.needs === 'warmup' && warmup === undefined) {
          throw errors.trainingFailed(
            stage.name,
            `the neuron selector needs a warm-up but mask.warmupStage is not set; name the warm-up stage in mask.warmupStage`,
          );
        }
        const selectorInput: SelectorInput = {
          parameters: model.parameters,
          before: referenceValues(),
          after: warmup === undefined ? undefined : weightsOf(warmup.parameters),
          gradients: async (batches, visit) =>
            preferenceGradients(model, stage, await pairData(), inputs.seed, index, batches, visit),
        };
        mask = await selector.select(selectorInput);
        events.emit('select:end', {
          stage: stage.name,
          share: mask.share,
          selected: mask.selected,
          total: mask.total,
        });
        if (mask.selected === 0) {
          logger.warnOnce(
            `empty-mask:${stage.name}`,
            `stage "${stage.name}": the mask selects no element, so the stage computes its loss but changes no parameter`,
          );
        }
      }

      if (stage.tokenWeights) {
        if (stage.objective.type !== 'npo') {
          logger.warnOnce(
            `token-weights:${stage.name}`,
            `stage "${stage.name}": tokenWeights is set but only the npo objective weights tokens; ignoring it`,
          );
        } else {
          data.weights = await tokenWeights(
            inputs,
            stage,
            sides[0],
            model,
            stageReference,
            warmup ?? lastDiscarded,
            visitedPairs,
            visitedExtra,
          );
        }
      }

      events.emit('stage:start', {
        stage: stage.name,
        index,
        totalSteps: steps,
        maskShare: mask?.share ?? null,
      });
      const optimizer = new MaskedAdamW(model.parameters, mask, stage.optimizer);
      const sums: Metrics = {};
      let done = 0;
      for (let step = 0; step < steps; step += 1) {
        const stepStart = performance.now();
        const metrics = await trainStep(
          model,
          optimizer,
          stage,
          data,
          sides,
          planned.batches[step],
          learningRate(stage.optimizer, step, steps),
          step,
        );
        done += 1;
        for (const [key, value] of Object.entries(metrics.values))
          sums[key] = (sums[key] ?? 0) + value;
        events.emit('step:end', {
          stage: stage.name,
          step: step + 1,
          totalSteps: steps,
          metrics: metrics.values,
          tokens: metrics.tokens,
          seconds: (performance.now() - stepStart) / 1000,
        });
        // Yield to the event loop, so that a Ctrl-C (a signal handler, a macrotask) is seen
        // after this step rather than after the whole stage.
        await new Promise((resolve) => setImmediate(resolve));
        if (inputs.signal?.aborted) {
          interrupted = true;
          break;
        }
      }
      if (interrupted) break;

      const stageMetrics: Metrics = Object.fromEntries(
        Object.entries(sums).map(([k, v]) => [k, v / Math.max(1, done)]),
      );
      stageMetrics['mask/share'] = mask === null ? 1 : mask.share;
      outcomes.push({ name: stage.name, metrics: stageMetrics, mask, steps: done });
      results.set(stage.name, model);
      if (stage.discard) lastDiscarded = model;
      else lastKept = model;
      await inputs.onStageEnd?.(stage, model, mask);
      events.emit('stage:end', {
        stage: stage.name,
        index,
        metrics: stageMetrics,
        seconds: (performance.now() - started) / 1000,
      });
    }
  } catch (error) {
    for (const m of owned) m.dispose();
    throw error;
  }

  const final = lastKept ?? reference;
  for (const m of owned) if (m !== final) m.dispose();
  return { final, stages: outcomes, interrupted };
}

interface StepMetrics {
  values: Metrics;
  tokens: number;
}

async function trainStep(
  model: CausalLM,
  optimizer: MaskedAdamW,
  stage: StageSpec,
  data: StageData,
  sides: Side[],
  indices: number[],
  lr: number,
  step: number,
): Promise<StepMetrics> {
  const batch = prepareBatch(stage.objective, data, sides, indices);
  const trainable = optimizer.trainable;
  let kept: Record<string, tf.Scalar> = {};
  const f = () => {
    const out = batch.loss(model);
    kept = out.metrics;
    for (const t of Object.values(kept)) tf.keep(t);
    return out.loss;
  };
  try {
    let loss: tf.Scalar;
    let grads: tf.NamedTensorMap = {};
    if (trainable.length === 0) {
      loss = tf.tidy(f);
    } else {
      const result = tf.variableGrads(
        f,
        trainable.map((p) => p.variable),
      );
      loss = result.value;
      grads = result.grads;
    }
    const names = Object.keys(kept);
    const packed = tf.tidy(() => tf.stack([loss, ...names.map((n) => kept[n])]));
    const values = (await packed.data()) as Float32Array;
    tf.dispose([packed, loss, ...Object.values(kept)]);
    const lossValue = values[0];
    if (!Number.isFinite(lossValue)) {
      tf.dispose(Object.values(grads));
      throw errors.trainingFailed(
        stage.name,
        `step ${step + 1}: the loss is ${lossValue}, expected a finite number; lower optimizer.lr or optimizer.maxGradNorm, or check the data`,
      );
    }
    const metrics: Metrics = { loss: lossValue };
    names.forEach((n, i) => (metrics[n] = values[i + 1]));
    if (trainable.length > 0) {
      const byName = new Map(trainable.map((p) => [p.name, grads[p.variable.name]]));
      const report = await optimizer.step(byName, lr);
      tf.dispose(Object.values(grads));
      metrics.grad_norm = report.gradNorm;
    }
    metrics.learning_rate = lr;
    return { values: metrics, tokens: batch.tokens };
  } finally {
    batch.dispose();
  }
}

/** The selector's gradient source: batches of the stage's preference loss at its start weights. */
async function preferenceGradients(
  model: CausalLM,
  stage: StageSpec,
  pairData: StageData,
  seed: number,
  index: number,
  batches: number,
  visit: (grads: ReadonlyMap<string, Float32Array>) => void,
): Promise<void> {
  const objective: ObjectiveSpec =
    stage.objective.type === 'dpo' || stage.objective.type === 'key-token-dpo'
      ? stage.objective
      : {
          type: 'dpo',
          beta: stage.objective.type === 'npo' ? stage.objective.beta : 0.1,
          variant: 'sigmoid',
          labelSmoothing: 0,
          reduction: 'sum',
        };
  const order = batchOrder(
    pairData.count,
    Math.max(1, stage.batchSize),
    mixSeed(seed, index, 0x6772),
  );
  for (let b = 0; b < batches; b += 1) {
    const batch = prepareBatch(
      objective,
      pairData,
      ['chosen', 'rejected'],
      order.next().value as number[],
    );
    try {
      const { value, grads } = tf.variableGrads(
        () => batch.loss(model).loss,
        model.parameters.map((p) => p.variable),
      );
      const values = await Promise.all(
        model.parameters.map(
          async (p) => [p.name, (await grads[p.variable.name].data()) as Float32Array] as const,
        ),
      );
      tf.dispose([value, ...Object.values(grads)]);
      visit(new Map(values));
    } finally {
      batch.dispose();
    }
  }
}

async function tokenWeights(
  inputs: TrainingInputs,
  stage: StageSpec,
  side: Side,
  policy: CausalLM,
  reference: CausalLM,
  warmup: CausalLM | undefined,
  pairs: readonly TokenizedPair[],
  extra: readonly TokenizedResponse[],
): Promise<Float32Array[]> {
  const scorer = inputs.resolve.tokenScorer(stage.name);
  const weights = await scorer.score({
    pairs,
    response: side,
    tokenizer: inputs.tokenizer,
    policy,
    reference,
    warmup,
  });
  if (weights.length !== pairs.length) {
    throw errors.trainingFailed(
      stage.name,
      `the token scorer returned ${weights.length} weight vectors, expected one per training pair (${pairs.length})`,
    );
  }
  weights.forEach((w, i) => {
    const expected = side === 'chosen' ? pairs[i].chosenIds.length : pairs[i].rejectedIds.length;
    if (w.length !== expected) {
      throw errors.trainingFailed(
        stage.name,
        `token weights of pair "${pairs[i].id}" have ${w.length} entries, expected one per ${side} token (${expected})`,
      );
    }
  });
  if (extra.length > 0) {
    inputs.logger.warnOnce(
      `extra-weights:${stage.name}`,
      `stage "${stage.name}": ${extra.length} ${side} responses have no pair for the token scorer; they train with weight 1 on every token`,
    );
  }
  const ones = extra.map((r) => new Float32Array(r.responseIds.length).fill(1));
  return [...weights, ...ones];
}
