// The composition root: a run builds a child container and registers exactly the plugins its
// config names. Stage overrides get a container of their own, so the forgetting and learning
// stages can each have a selector with its own ratio.
import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';

import type { AlloConfig, SlotConfig } from './config/schema.js';
import { errors } from './errors.js';
import type { PluginContext, PluginKind, PluginKinds } from './extension-points.js';
import { TOKENS } from './extension-points.js';
import { createLogger } from './logger.js';
import type { PluginRegistry } from './registry.js';

export interface RunContainer {
  container: DependencyContainer;
  /** The implementation of a slot; stage overrides win for the stage named. */
  resolve<K extends PluginKind>(kind: K, stage?: string): PluginKinds[K];
  /** Registers a further slot (a baseline's schedule, the eval dataset) into a fresh child. */
  resolveSlot<K extends PluginKind>(kind: K, slot: SlotConfig, path: string): PluginKinds[K];
}

export interface ContainerContext {
  seed: number;
  runDir: string | null;
  configDir: string;
}

function register(
  target: DependencyContainer,
  registry: PluginRegistry,
  kind: PluginKind,
  slot: SlotConfig,
  path: string,
  context: ContainerContext,
): void {
  const plugin = registry.get(kind, slot.use, `${path}.use`);
  const pluginContext: PluginContext = { ...context, logger: createLogger(plugin.declaration.id) };
  plugin.declaration.register(target, slot.options ?? {}, pluginContext);
}

/**
 * Builds the run's container. The backend slot is not registered here when it is `auto`: the
 * caller picks a backend first (see chooseBackend) and registers it with `registerBackend`.
 */
export function createRunContainer(
  config: AlloConfig,
  registry: PluginRegistry,
  context: ContainerContext,
): RunContainer {
  const run = rootContainer.createChildContainer();
  const slots: Array<[PluginKind, SlotConfig | undefined, string]> = [
    ['model', config.model, 'model'],
    ['dataset', config.dataset, 'dataset'],
    ['schedule', config.schedule, 'schedule'],
    ['neuronSelector', config.neuronSelector, 'neuronSelector'],
    ['tokenScorer', config.tokenScorer, 'tokenScorer'],
  ];
  if (config.backend.use !== 'auto') slots.unshift(['backend', config.backend, 'backend']);
  for (const [kind, slot, path] of slots) if (slot !== undefined) register(run, registry, kind, slot, path, context);

  const stageContainers = new Map<string, DependencyContainer>();
  for (const [stage, override] of Object.entries(config.stages ?? {})) {
    const child = run.createChildContainer();
    if (override.neuronSelector !== undefined) {
      register(child, registry, 'neuronSelector', override.neuronSelector, `stages.${stage}.neuronSelector`, context);
    }
    if (override.tokenScorer !== undefined) {
      register(child, registry, 'tokenScorer', override.tokenScorer, `stages.${stage}.tokenScorer`, context);
    }
    stageContainers.set(stage, child);
  }

  return {
    container: run,
    resolve<K extends PluginKind>(kind: K, stage?: string): PluginKinds[K] {
      const target = (stage !== undefined ? stageContainers.get(stage) : undefined) ?? run;
      if (!target.isRegistered(TOKENS[kind], true)) throw errors.pluginNotConfigured(kind);
      return target.resolve(TOKENS[kind]);
    },
    resolveSlot<K extends PluginKind>(kind: K, slot: SlotConfig, path: string): PluginKinds[K] {
      const child = run.createChildContainer();
      register(child, registry, kind, slot, path, context);
      return child.resolve(TOKENS[kind]);
    },
  };
}
