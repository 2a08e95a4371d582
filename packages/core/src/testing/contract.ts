// The contract every plugin runs: its declaration is well formed, its option tables validate
// (and fail with the right paths), it registers into a container, a second plugin with its id
// is refused, and, for plugins that touch tensors, a run through it leaks none.
import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';

import { validateSlot } from '../config/validate.js';
import { AlloError } from '../errors.js';
import type { PluginContext, PluginKinds } from '../extension-points.js';
import { TOKENS } from '../extension-points.js';
import { createLogger } from '../logger.js';
import type { PluginDeclaration } from '../plugin.js';
import { PluginRegistry } from '../registry.js';

export interface InvalidOptionsCase {
  options: Record<string, unknown>;
  /** The config path the first issue must name, e.g. `neuronSelector.options.ratio`. */
  path: string;
}

export interface ContractSpec<K extends keyof PluginKinds> {
  /** Option objects that must validate. `{}` (all defaults) is always checked too. */
  valid?: Array<Record<string, unknown>>;
  invalid?: InvalidOptionsCase[];
  /** Exercises the implementation once; the harness checks no tensor outlives it. */
  exercise?: (implementation: PluginKinds[K]) => Promise<void>;
  /** Options used for registration and `exercise` (defaults to `{}`). */
  options?: Record<string, unknown>;
}

export function testContext(): PluginContext {
  return { logger: createLogger('contract'), seed: 0, runDir: null, configDir: process.cwd() };
}

function hasRequired(schema: Record<string, unknown>): boolean {
  return Array.isArray(schema.required) && schema.required.length > 0;
}

export function pluginContract<K extends keyof PluginKinds>(
  declaration: PluginDeclaration<K>,
  spec: ContractSpec<K> = {},
): void {
  const slotPath = declaration.kind as string;

  describe(`plugin contract: ${declaration.kind} "${declaration.id}"`, () => {
    it('declares id, kind, version, description and a closed options schema', () => {
      expect(declaration.id).toMatch(/^[a-z0-9][a-z0-9-]*$/);
      expect(declaration.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(declaration.description.length).toBeGreaterThan(10);
      expect(declaration.optionsSchema.type).toBe('object');
      expect(declaration.optionsSchema.additionalProperties).toBe(false);
      const properties = (declaration.optionsSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
      const required = new Set((declaration.optionsSchema.required as string[] | undefined) ?? []);
      for (const [key, schema] of Object.entries(properties)) {
        if (!required.has(key)) expect(schema, `option "${key}" needs a default`).toHaveProperty('default');
      }
    });

    it('accepts its valid option tables and fills defaults', () => {
      const registry = new PluginRegistry([{ declaration, packageName: `test:${declaration.id}` }]);
      const tables = [...(hasRequired(declaration.optionsSchema) ? [] : [{}]), ...(spec.valid ?? [])];
      for (const options of tables) {
        const slot = { use: declaration.id, options: structuredClone(options) };
        expect(validateSlot(registry, declaration.kind, slot, slotPath)).toEqual([]);
      }
    });

    it('rejects its invalid option tables with the right path', () => {
      const registry = new PluginRegistry([{ declaration, packageName: `test:${declaration.id}` }]);
      const misspelt = { use: declaration.id, options: { ...(spec.options ?? {}), zzUnknownOption: 1 } };
      const unknown = validateSlot(registry, declaration.kind, misspelt, slotPath);
      expect(unknown.map((issue) => issue.path)).toContain(`${slotPath}.options.zzUnknownOption`);
      for (const bad of spec.invalid ?? []) {
        const issues = validateSlot(registry, declaration.kind, { use: declaration.id, options: structuredClone(bad.options) }, slotPath);
        expect(issues.map((issue) => issue.path)).toContain(bad.path);
      }
    });

    it('registers into a child container and resolves', () => {
      const child = rootContainer.createChildContainer();
      const registry = new PluginRegistry([{ declaration, packageName: `test:${declaration.id}` }]);
      const slot = { use: declaration.id, options: structuredClone(spec.options ?? {}) };
      expect(validateSlot(registry, declaration.kind, slot, slotPath)).toEqual([]);
      declaration.register(child, slot.options, testContext());
      expect(child.isRegistered(TOKENS[declaration.kind], false)).toBe(true);
      expect(child.resolve(TOKENS[declaration.kind])).toBeTypeOf('object');
    });

    it('refuses a second plugin with the same id, naming both packages', () => {
      const registry = new PluginRegistry([{ declaration, packageName: 'first-package' }]);
      let caught: unknown;
      try {
        registry.add({ ...declaration }, 'second-package');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AlloError);
      expect((caught as AlloError).code).toBe('PLUGIN_DUPLICATE');
      expect((caught as AlloError).message).toContain('first-package');
      expect((caught as AlloError).message).toContain('second-package');
    });

    if (spec.exercise !== undefined) {
      it('leaks no tensor', async () => {
        const child = rootContainer.createChildContainer();
        const registry = new PluginRegistry([{ declaration, packageName: `test:${declaration.id}` }]);
        const slot = { use: declaration.id, options: structuredClone(spec.options ?? {}) };
        validateSlot(registry, declaration.kind, slot, slotPath);
        declaration.register(child, slot.options, testContext());
        const implementation = child.resolve(TOKENS[declaration.kind]) as PluginKinds[K];
        await spec.exercise!(implementation);
        const before = tf.memory().numTensors;
        await spec.exercise!(implementation);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  });
}
