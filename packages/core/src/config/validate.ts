// Validation of a merged config: the core schema, then every slot's options against its plugin's
// schema, all problems at once, each as a breadcrumb path, what was expected and what arrived.
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';

import type { ConfigIssue } from '../errors.js';
import type { PluginKind } from '../extension-points.js';
import type { PluginRegistry } from '../registry.js';
import { AUTO_BACKEND, SLOT_KINDS, coreSchema } from './schema.js';
import type { AlloConfig, SlotConfig } from './schema.js';
import { didYouMean } from './suggest.js';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
ajv.addFormat('path', true);

const compiled = new WeakMap<object, ValidateFunction>();

function compile(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** `/stages/forgetting/options/ratio` → `stages.forgetting.options.ratio`; indices as `[1]`. */
export function pointerToPath(prefix: string, pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = prefix;
  for (const part of parts) {
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

function valueAt(data: unknown, pointer: string): unknown {
  let node = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Turns ajv's errors into issues, dropping the noise of if/then and anyOf wrappers. */
export function issuesFromAjv(errors: ErrorObject[], data: unknown, prefix: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const error of errors) {
    if (error.keyword === 'if' || error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    const path = pointerToPath(prefix, error.instancePath);
    const got = valueAt(data, error.instancePath);
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        const known = Object.keys((error.parentSchema as { properties?: object })?.properties ?? {});
        const expected = known.length > 0 ? `one of ${known.join(', ')}` : 'no further properties';
        issues.push({
          path: join(path, key),
          message: `unexpected property "${key}" (expected ${expected})`,
          expected,
          suggestion: didYouMean(key, known),
        });
        break;
      }
      case 'required':
        issues.push({
          path: join(path, String(params.missingProperty)),
          message: `missing required property "${String(params.missingProperty)}"`,
        });
        break;
      case 'enum': {
        const allowed = (params.allowedValues as unknown[]).map(String);
        issues.push({
          path,
          message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
          got: show(got),
          suggestion: typeof got === 'string' ? didYouMean(got, allowed) : undefined,
        });
        break;
      }
      case 'maximum':
      case 'minimum':
      case 'exclusiveMaximum':
      case 'exclusiveMinimum':
        issues.push({ path, message: `must be ${String(params.comparison)} ${String(params.limit)}`, got: show(got) });
        break;
      case 'type':
        issues.push({ path, message: `must be ${String(params.type)}`, got: show(got) });
        break;
      default:
        issues.push({ path, message: error.message ?? error.keyword, got: show(got) });
    }
  }
  return issues;
}

/**
 * Checks one slot: its plugin exists (did-you-mean over known ids) and its options pass the
 * plugin's schema, with defaults filled in place.
 */
export function validateSlot(
  registry: PluginRegistry,
  kind: PluginKind,
  slot: SlotConfig,
  path: string,
): ConfigIssue[] {
  if (kind === 'backend' && slot.use === AUTO_BACKEND) {
    const keys = Object.keys(slot.options ?? {});
    return keys.length === 0
      ? []
      : [{ path: `${path}.options`, message: `the "auto" backend takes no options, got ${keys.join(', ')}` }];
  }
  const plugin = registry.find(kind, slot.use);
  if (plugin === undefined) {
    const ids = registry.ids(kind);
    if (kind === 'backend') ids.push(AUTO_BACKEND);
    return [
      {
        path: `${path}.use`,
        message: `no ${kind} plugin "${slot.use}" (known: ${ids.join(', ') || 'none'})`,
        suggestion: didYouMean(slot.use, ids),
      },
    ];
  }
  slot.options ??= {};
  const validate = compile(plugin.declaration.optionsSchema);
  if (validate(slot.options)) return [];
  return issuesFromAjv(validate.errors ?? [], slot.options, `${path}.options`);
}

/** Validates a merged config in place (defaults filled); returns every issue found. */
export function validateConfig(config: unknown, registry: PluginRegistry): ConfigIssue[] {
  const validateCore = compile(coreSchema());
  const issues: ConfigIssue[] = [];
  if (!validateCore(config)) issues.push(...issuesFromAjv(validateCore.errors ?? [], config, ''));
  if (typeof config !== 'object' || config === null) return issues;
  const typed = config as AlloConfig;
  const isSlotLike = (value: unknown): value is SlotConfig =>
    typeof value === 'object' && value !== null && typeof (value as SlotConfig).use === 'string';
  for (const [slot, kind] of SLOT_KINDS) {
    const value = typed[slot];
    if (isSlotLike(value)) issues.push(...validateSlot(registry, kind, value, slot as string));
  }
  for (const [stage, override] of Object.entries(typed.stages ?? {})) {
    if (typeof override !== 'object' || override === null) continue;
    if (isSlotLike(override.neuronSelector)) {
      issues.push(...validateSlot(registry, 'neuronSelector', override.neuronSelector, `stages.${stage}.neuronSelector`));
    }
    if (isSlotLike(override.tokenScorer)) {
      issues.push(...validateSlot(registry, 'tokenScorer', override.tokenScorer, `stages.${stage}.tokenScorer`));
    }
  }
  for (const [name, baseline] of Object.entries(typed.baselines ?? {})) {
    if (!isSlotLike(baseline)) continue;
    const { neuronSelector, tokenScorer, ...schedule } = baseline as SlotConfig & Record<string, unknown>;
    issues.push(...validateSlot(registry, 'schedule', schedule as SlotConfig, `baselines.${name}`));
    (baseline as SlotConfig).options = schedule.options;
    if (isSlotLike(neuronSelector)) issues.push(...validateSlot(registry, 'neuronSelector', neuronSelector, `baselines.${name}.neuronSelector`));
    if (isSlotLike(tokenScorer)) issues.push(...validateSlot(registry, 'tokenScorer', tokenScorer, `baselines.${name}.tokenScorer`));
  }
  return dedupe(issues);
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}|${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
