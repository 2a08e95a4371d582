// The main job: config → backend → model + tokenizer → datasets → the schedule and its
// baselines, each from the same initial model with the same data and seed → held-out evaluation
// of every model against the reference → checkpoints, masks, eval.json, run.json.
import path from 'node:path';

import type { LoadedConfig } from '../config/load.js';
import { createRunContainer } from '../container.js';
import { didYouMean } from '../config/suggest.js';
import { errors } from '../errors.js';
import type { NeuronSelector, StageSpec, TokenScorer } from '../extension-points.js';
import type { EventBus } from '../events.js';
import { createLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import type { PluginRegistry } from '../registry.js';
import type { RunDirectory } from '../run-dir.js';
import type { CausalLM, Metrics, ParameterMask } from '../types.js';
import { prepareDatasets } from '../data/prepare.js';
import type { PreparedData } from '../data/prepare.js';
import { maskOverlap, maskSummary } from '../masks/summary.js';
import type { MaskOverlap, MaskSummary } from '../masks/summary.js';
import { saveMask } from '../masks/io.js';
import { runSchedule } from '../train/run-schedule.js';
import { evaluatePairs, klToReference } from '../train/evaluate.js';
import { chooseBackend } from './backend.js';
import type { ChosenBackend } from './backend.js';

export interface JobOptions {
  loaded: LoadedConfig;
  registry: PluginRegistry;
  runDir: RunDirectory;
  events: EventBus;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface StageRecord {
  model: string;
  stage: string;
  steps: number;
  metrics: Metrics;
  mask: { share: number; selected: number; total: number; summary: MaskSummary } | null;
  checkpoint: string | null;
}

export interface SampleRecord {
  prompt: string;
  responses: Record<string, string>;
}

export interface JobResult {
  backend: ChosenBackend;
  data: Pick<PreparedData, 'kept' | 'dropped' | 'lengths'>;
  stages: StageRecord[];
  /** Held-out metrics keyed by model: reference, then the schedule, then each baseline. */
  eval: Record<string, Metrics>;
  samples: SampleRecord[];
  overlaps: Array<{ model: string; a: string; b: string; overlap: MaskOverlap }>;
  interrupted: boolean;
}

/**
 * Stage overrides must name a stage of one of the run's schedules. Schedules are pure functions
 * of their options, so this runs before any tensor is made (and in `allo validate`).
 */
export function checkStageOverrides(loaded: LoadedConfig, registry: PluginRegistry): void {
  const { config } = loaded;
  if (Object.keys(config.stages ?? {}).length === 0) return;
  const run = createRunContainer(config, registry, { seed: config.seed, runDir: null, configDir: loaded.dir });
  const context = { seed: config.seed, runDir: null, configDir: loaded.dir, logger: createLogger('schedule'), trainSize: 1 };
  const names = new Set(run.resolve('schedule').stages(context).map((stage) => stage.name));
  for (const [name, baseline] of Object.entries(config.baselines ?? {})) {
    const schedule = run.resolveSlot('schedule', { use: baseline.use, options: baseline.options }, `baselines.${name}`);
    for (const stage of schedule.stages(context)) names.add(stage.name);
  }
  // Overrides inherited from the default run belong to its schedule: dropped when absent here.
  for (const stage of loaded.inheritedStages ?? []) if (!names.has(stage)) delete config.stages[stage];
  checkOverrides(loaded.file, config, names);
}

function checkOverrides(file: string, config: LoadedConfig['config'], stageNames: Set<string>): void {
  for (const stage of Object.keys(config.stages ?? {})) {
    if (stageNames.has(stage)) continue;
    const suggestion = didYouMean(stage, stageNames);
    throw errors.configInvalid(file, [
      {
        path: `stages.${stage}`,
        message: `no stage "${stage}" in the schedules of this run (stages: ${[...stageNames].join(', ')})`,
        suggestion,
      },
    ]);
  }
}

export async function runJob(options: JobOptions): Promise<JobResult> {
  const { loaded, registry, runDir, events, signal } = options;
  const { config } = loaded;
  const logger = options.logger ?? createLogger('run');
  const context = { seed: config.seed, runDir: runDir.dir, configDir: loaded.dir };
  checkStageOverrides(loaded, registry);

  const backend = await chooseBackend(config.backend, registry, context);
  runDir.update({ backend: backend.id, backendInfo: backend.info, backendSkipped: backend.skipped });
  events.emit('run:start', { runDir: runDir.dir, config, seed: config.seed, backend: backend.id });

  const run = createRunContainer(config, registry, context);
  const modelOptions = config.model.options as { path: string; tokenizer?: string };
  const loadedModel = await run.resolve('model').load(modelOptions.path, { tokenizer: modelOptions.tokenizer });
  const reference = loadedModel.model;
  const { tokenizer } = loadedModel;
  logger.info(`model ${loadedModel.source.format} ${loadedModel.source.path}: ${reference.config.numLayers} layers, d_model ${reference.config.hiddenSize}, vocab ${reference.config.vocabSize}`);

  const datasetContext = { ...context, logger: createLogger(config.dataset.use), model: reference, tokenizer };
  const data = await prepareDatasets({
    loader: run.resolve('dataset'),
    evalLoader: config.evalDataset === undefined ? undefined : run.resolveSlot('dataset', config.evalDataset, 'evalDataset'),
    context: datasetContext,
    options: config.data,
    name: config.dataset.use,
  });
  runDir.update({ data: { kept: data.kept, dropped: data.dropped, lengths: data.lengths } });
  logger.info(`data: ${data.kept.train} train, ${data.kept.validation} validation, ${data.kept.eval} eval pairs; dropped ${JSON.stringify(data.dropped)}`);
  if (data.train.length === 0) throw errors.dataEmpty(`${config.dataset.use}: no training pair left after splitting and tokenising (dropped: ${JSON.stringify(data.dropped)})`);

  type Resolver = { neuronSelector(stage: string): NeuronSelector; tokenScorer(stage: string): TokenScorer };
  const globalResolver: Resolver = {
    neuronSelector: (stage) => run.resolve('neuronSelector', stage),
    tokenScorer: (stage) => run.resolve('tokenScorer', stage),
  };
  const schedules: Array<{ name: string; stages: StageSpec[]; resolve: Resolver }> = [];
  const scheduleContext = { ...context, logger: createLogger('schedule'), trainSize: data.train.length };
  schedules.push({ name: config.schedule.use, stages: run.resolve('schedule').stages(scheduleContext), resolve: globalResolver });
  for (const [name, baseline] of Object.entries(config.baselines ?? {})) {
    // A baseline's own selector or scorer wins over the run's for every stage of that baseline.
    const { neuronSelector, tokenScorer } = baseline;
    const selector = neuronSelector && run.resolveSlot('neuronSelector', neuronSelector, `baselines.${name}.neuronSelector`);
    const scorer = tokenScorer && run.resolveSlot('tokenScorer', tokenScorer, `baselines.${name}.tokenScorer`);
    const schedule = run.resolveSlot('schedule', { use: baseline.use, options: baseline.options }, `baselines.${name}`);
    schedules.push({
      name,
      stages: schedule.stages(scheduleContext),
      resolve: {
        neuronSelector: (stage) => selector || globalResolver.neuronSelector(stage),
        tokenScorer: (stage) => scorer || globalResolver.tokenScorer(stage),
      },
    });
  }
  checkOverrides(loaded.file, config, new Set(schedules.flatMap((s) => s.stages.map((stage) => stage.name))));

  const stages: StageRecord[] = [];
  const finals = new Map<string, CausalLM>();
  const overlaps: JobResult['overlaps'] = [];
  let interrupted = false;
  for (const schedule of schedules) {
    if (signal?.aborted) break;
    events.emit('schedule:start', { model: schedule.name, stages: schedule.stages.map((s) => s.name) });
    const policy = reference.clone(schedule.name);
    const masks = new Map<string, ParameterMask>();
    const result = await runSchedule({
      policy,
      tokenizer,
      train: data.train,
      rejected: data.rejected,
      sft: data.sft,
      stages: schedule.stages,
      resolve: schedule.resolve,
      events,
      logger: createLogger(schedule.name),
      seed: config.seed,
      runDir: runDir.dir,
      signal,
      onStageEnd: async (stage: StageSpec, model: CausalLM, mask: ParameterMask | null) => {
        const record: StageRecord = { model: schedule.name, stage: stage.name, steps: 0, metrics: {}, mask: null, checkpoint: null };
        if (mask !== null) {
          masks.set(stage.name, mask);
          await saveMask(runDir.path('masks', `${schedule.name}-${stage.name}.safetensors`), mask, model.parameters);
          record.mask = { share: mask.share, selected: mask.selected, total: mask.total, summary: maskSummary(mask, model.parameters) };
        }
        if (!stage.discard) {
          const dir = runDir.path('checkpoints', schedule.name, stage.name);
          await loadedModel.save(model, dir);
          record.checkpoint = path.relative(runDir.dir, dir);
          events.emit('checkpoint:saved', { stage: `${schedule.name}/${stage.name}`, dir });
        }
        stages.push(record);
      },
    });
    for (const summary of result.stages) {
      const record = stages.find((s) => s.model === schedule.name && s.stage === summary.name);
      if (record !== undefined) {
        record.steps = summary.steps;
        record.metrics = summary.metrics;
      }
    }
    const names = [...masks.keys()];
    for (let i = 0; i < names.length; i += 1) {
      for (let j = i + 1; j < names.length; j += 1) {
        overlaps.push({ model: schedule.name, a: names[i], b: names[j], overlap: maskOverlap(masks.get(names[i])!, masks.get(names[j])!) });
      }
    }
    finals.set(schedule.name, result.final);
    if (result.interrupted) {
      interrupted = true;
      break;
    }
  }

  const evaluation: Record<string, Metrics> = {};
  const samples: SampleRecord[] = [];
  if (signal?.aborted) interrupted = true;
  const heldOut = config.eval.split === 'validation' ? data.validation : data.eval;
  if (!interrupted && heldOut.length > 0) {
    const models: Array<[string, CausalLM]> = [['reference', reference], ...finals.entries()];
    const prompts = heldOut.map((pair) => pair.promptIds);
    for (const [name, model] of models) {
      events.emit('eval:start', { model: name, size: heldOut.length });
      const metrics = await evaluatePairs(model, reference, heldOut, { beta: config.eval.beta, batchSize: config.eval.batchSize });
      if (config.eval.klSamples > 0) {
        metrics['kl/reference'] =
          model === reference
            ? 0
            : await klToReference(model, reference, prompts.slice(0, config.eval.klSamples), {
                samples: 1,
                maxNewTokens: config.eval.maxNewTokens,
                seed: config.seed,
              });
      }
      evaluation[name] = metrics;
      events.emit('eval:end', { model: name, metrics });
    }
    const shown = heldOut.slice(0, config.eval.showSamples);
    for (const pair of shown) samples.push({ prompt: tokenizer.decode(pair.promptIds), responses: {} });
    for (const [name, model] of models) {
      const generated = model.generate(
        shown.map((pair) => pair.promptIds),
        { maxNewTokens: config.eval.maxNewTokens, temperature: 0.7, topP: 0.95, seed: config.seed },
      );
      generated.tokens.forEach((tokens, i) => {
        samples[i].responses[name] = tokenizer.decode(tokens);
      });
    }
    runDir.writeJson('eval.json', evaluation);
  }

  for (const model of finals.values()) model.dispose();
  reference.dispose();
  return {
    backend,
    data: { kept: data.kept, dropped: data.dropped, lengths: data.lengths },
    stages,
    eval: evaluation,
    samples,
    overlaps,
    interrupted,
  };
}
