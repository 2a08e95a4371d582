// Choosing the backend: the configured one, or with `auto` the first available of
// tfjs-node-gpu, tfjs-node, native, cpu. The choice and the reasons for skipping the others are
// logged, and recorded in run.json.
import * as tf from '@tensorflow/tfjs-core';

import type { SlotConfig } from '../config/schema.js';
import { AUTO_BACKEND } from '../config/schema.js';
import { errors } from '../errors.js';
import type { BackendInfo, PluginContext } from '../extension-points.js';
import { createLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import type { PluginRegistry } from '../registry.js';
import { createRunContainer } from '../container.js';

export const AUTO_ORDER = ['tfjs-node-gpu', 'tfjs-node', 'native', 'cpu'] as const;

export interface ChosenBackend {
  id: string;
  info: BackendInfo;
  /** Why the ones before it were skipped, for the log and run.json. */
  skipped: Array<{ id: string; reason: string }>;
}

let active: { id: string; info: BackendInfo } | null = null;

/** Starts the configured backend once per process (tfjs has one global engine). */
export async function chooseBackend(
  slot: SlotConfig,
  registry: PluginRegistry,
  context: Omit<PluginContext, 'logger'>,
  logger: Logger = createLogger('backend'),
): Promise<ChosenBackend> {
  const candidates = slot.use === AUTO_BACKEND ? AUTO_ORDER.filter((id) => registry.find('backend', id) !== undefined) : [slot.use];
  const skipped: Array<{ id: string; reason: string }> = [];
  for (const id of candidates) {
    const options = slot.use === AUTO_BACKEND ? {} : slot.options;
    const plugin = registry.get('backend', id, 'backend.use');
    const run = createRunContainer({ backend: { use: plugin.declaration.id, options } } as never, registry, {
      seed: context.seed,
      runDir: context.runDir,
      configDir: context.configDir,
    });
    const backend = run.resolve('backend');
    const availability = await backend.available();
    if (!availability.ok) {
      if (slot.use !== AUTO_BACKEND) throw errors.backendUnavailable(id, availability.reason);
      skipped.push({ id, reason: availability.reason });
      continue;
    }
    if (active !== null && active.id === id && tf.getBackend() === active.info.name) {
      return { id, info: active.info, skipped };
    }
    const info = await backend.initialise();
    active = { id, info };
    const why = skipped.length === 0 ? '' : ` (skipped ${skipped.map((s) => `${s.id}: ${s.reason}`).join('; ')})`;
    logger.info(`backend ${id}: ${info.description}${why}`);
    if (slot.use === AUTO_BACKEND && id === 'cpu' && skipped.some((s) => s.id === 'native')) {
      logger.warnOnce(
        'backend:cpu-fallback',
        `running on the pure-JS cpu backend, which is much slower: ${skipped.find((s) => s.id === 'native')!.reason}`,
      );
    }
    return { id, info, skipped };
  }
  throw errors.backendUnavailable(slot.use, skipped.map((s) => `${s.id}: ${s.reason}`).join('; ') || 'no backend plugin is installed');
}
