// Reading a config file (JSON or YAML), loading the external plugins it names, resolving its
// relative paths, merging it over the embedded default run's config and validating the result.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

import { errors } from '../errors.js';
import type { PluginRegistry } from '../registry.js';
import { loadExternalPlugins } from '../registry.js';
import { AUTO_BACKEND, SLOT_KINDS } from './schema.js';
import type { AlloConfig } from './schema.js';
import type { Json } from './merge.js';
import { isSlot, mergeConfig } from './merge.js';
import { validateConfig } from './validate.js';

export interface ConfigLayer {
  /** Parsed content. */
  data: Record<string, Json>;
  /** File it came from (for messages), or a label such as "(embedded default)". */
  file: string;
  /** Folder relative paths in it resolve against. */
  dir: string;
}

export interface LoadedConfig {
  config: AlloConfig;
  /**
   * Stage overrides that came from the default layer, not the user's file: they are dropped,
   * not reported, when the user's schedules have no such stage.
   */
  inheritedStages: string[];
  /** The user's file, or the default's when none was given. */
  file: string;
  dir: string;
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** Parses a config file; JSON or YAML by extension. */
export function readConfigFile(file: string): ConfigLayer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw errors.configUnreadable(file, (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message, cause);
  }
  let data: unknown;
  if (/\.ya?ml$/i.test(file)) {
    try {
      data = YAML.parse(text);
    } catch (cause) {
      throw errors.configUnreadable(file, `invalid YAML: ${(cause as Error).message.split('\n')[0]}`, cause);
    }
  } else {
    try {
      data = JSON.parse(text);
    } catch (cause) {
      const message = (cause as Error).message;
      const position = /position (\d+)/.exec(message);
      const where = position === null ? '' : ` at ${lineColumn(text, Number(position[1]))}`;
      throw errors.configUnreadable(file, `invalid JSON${where}: ${message}`, cause);
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const got = data === null || data === undefined ? (text.trim() === '' ? 'an empty file' : 'null') : Array.isArray(data) ? 'an array' : typeof data;
    throw errors.configUnreadable(file, `expected an object at the top level, got ${got}`);
  }
  return { data: data as Record<string, Json>, file, dir: path.dirname(path.resolve(file)) };
}

/**
 * Rewrites relative paths in a layer's slot options to absolute ones, for every option its
 * plugin's schema marks with `"format": "path"` (strings, or arrays of them). Done per layer,
 * before merging, so each path resolves against the file that wrote it.
 */
export function resolveLayerPaths(layer: ConfigLayer, registry: PluginRegistry): void {
  const visit = (kind: Parameters<PluginRegistry['find']>[0], slot: unknown) => {
    if (!isSlot(slot) || typeof slot.options !== 'object' || slot.options === null) return;
    if (kind === 'backend' && slot.use === AUTO_BACKEND) return;
    const plugin = registry.find(kind, slot.use);
    const properties = (plugin?.declaration.optionsSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
    const options = slot.options as Record<string, Json>;
    for (const [key, schema] of Object.entries(properties)) {
      const value = options[key];
      const itemFormat = (schema.items as Record<string, unknown> | undefined)?.format;
      if (schema.format === 'path' && typeof value === 'string' && value !== '') options[key] = path.resolve(layer.dir, value);
      if (itemFormat === 'path' && Array.isArray(value)) {
        options[key] = value.map((item) => (typeof item === 'string' && item !== '' ? path.resolve(layer.dir, item) : item));
      }
    }
  };
  for (const [slot, kind] of SLOT_KINDS) visit(kind, layer.data[slot as string]);
  const stages = layer.data.stages;
  if (typeof stages === 'object' && stages !== null && !Array.isArray(stages)) {
    for (const override of Object.values(stages)) {
      if (typeof override !== 'object' || override === null || Array.isArray(override)) continue;
      visit('neuronSelector', override.neuronSelector);
      visit('tokenScorer', override.tokenScorer);
    }
  }
  const baselines = layer.data.baselines;
  if (typeof baselines === 'object' && baselines !== null && !Array.isArray(baselines)) {
    for (const baseline of Object.values(baselines)) {
      visit('schedule', baseline);
      if (typeof baseline === 'object' && baseline !== null && !Array.isArray(baseline)) {
        visit('neuronSelector', baseline.neuronSelector);
        visit('tokenScorer', baseline.tokenScorer);
      }
    }
  }
  if (typeof layer.data.out === 'string') layer.data.out = path.resolve(layer.dir, layer.data.out);
}

/**
 * Loads a config: the default layer, then the user's file (if any) over it. External plugins
 * named in either layer's `plugins` are imported into `registry` first.
 */
export async function loadConfig(
  userFile: string | null,
  defaults: ConfigLayer,
  registry: PluginRegistry,
): Promise<LoadedConfig> {
  const user = userFile === null ? null : readConfigFile(userFile);
  for (const layer of [defaults, user]) {
    if (layer === null) continue;
    const list = layer.data.plugins;
    if (Array.isArray(list)) {
      const names = list.filter((p): p is string => typeof p === 'string');
      await loadExternalPlugins(registry, names, layer.dir);
      layer.data.plugins = names.map((name) => (name.startsWith('.') ? path.resolve(layer.dir, name) : name));
    }
  }
  const base = structuredClone(defaults.data);
  // The default's own $schema path and description describe that file, not the user's run.
  if (user !== null) {
    delete base.$schema;
    delete base.description;
  }
  resolveLayerPaths({ ...defaults, data: base }, registry);
  let merged: Json = base;
  const inheritedStages: string[] = [];
  if (user !== null) {
    const over = structuredClone(user.data);
    resolveLayerPaths({ ...user, data: over }, registry);
    delete over.$schema;
    merged = mergeConfig(base, over);
    const keys = (value: Json | undefined) =>
      typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
    const own = new Set(keys(over.stages));
    inheritedStages.push(...keys(base.stages).filter((stage) => !own.has(stage)));
    // A baseline inherited from the default that carries the name of the user's own schedule
    // (`{ "schedule": { "use": "dpo" } }` against the default's `dpo` baseline) is the same
    // experiment twice, and would share its name in eval.json: it is dropped.
    const result = merged as Record<string, Json>;
    const schedule = result.schedule as { use?: unknown } | undefined;
    const baselines = result.baselines as Record<string, Json> | undefined;
    const ownBaselines = new Set(keys(over.baselines));
    if (typeof schedule?.use === 'string' && baselines !== undefined && schedule.use in baselines && !ownBaselines.has(schedule.use)) {
      delete baselines[schedule.use];
    }
  }
  const issues = validateConfig(merged, registry);
  const config = merged as unknown as AlloConfig;
  for (const name of Object.keys(config.baselines ?? {})) {
    if (name === config.schedule?.use || name === 'reference') {
      issues.push({
        path: `baselines.${name}`,
        message: `the name "${name}" is already the ${name === 'reference' ? 'reference model' : "run's schedule"} in eval.json and checkpoints/; rename this baseline (or remove it with null)`,
      });
    }
  }
  const file = user?.file ?? defaults.file;
  if (issues.length > 0) throw errors.configInvalid(file, issues);
  return { config, file, dir: user?.dir ?? defaults.dir, inheritedStages };
}
