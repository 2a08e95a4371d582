// The plugin declaration: one object per package, doing nothing on import.
import type { DependencyContainer } from 'tsyringe';

import type { PluginContext, PluginKind, PluginKinds } from './extension-points.js';
import { TOKENS } from './extension-points.js';

/** A JSON Schema for a plugin's options, with a default for every optional field. */
export type OptionsSchema = Record<string, unknown> & { type: 'object' };

export interface PluginDeclaration<K extends PluginKind = PluginKind, O = any> {
  /** Short id, unique per kind: `update-magnitude`, `hh-rlhf`, `dpo`. */
  id: string;
  kind: K;
  version: string;
  /** One line for `allo plugins`. */
  description: string;
  /** Options schema; ajv fills its defaults before `register` sees the options. */
  optionsSchema: OptionsSchema;
  /** Binds the implementation into the run's child container under the kind's token. */
  register(container: DependencyContainer, options: O, context: PluginContext): void;
}

/** Identity helper that types a declaration. */
export function definePlugin<K extends PluginKind, O>(declaration: PluginDeclaration<K, O>): PluginDeclaration<K, O> {
  return declaration;
}

/**
 * The common `register` body: a factory registration of the kind's token that builds the
 * implementation from the validated options and the context.
 */
export function bindFactory<K extends PluginKind, O>(
  kind: K,
  create: (options: O, context: PluginContext) => PluginKinds[K],
): PluginDeclaration<K, O>['register'] {
  return (container, options, context) => {
    container.register(TOKENS[kind], { useFactory: () => create(options, context) });
  };
}

export function isPluginDeclaration(value: unknown): value is PluginDeclaration {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' &&
    typeof v.kind === 'string' &&
    typeof v.version === 'string' &&
    typeof v.optionsSchema === 'object' &&
    typeof v.register === 'function'
  );
}
