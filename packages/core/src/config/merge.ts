// Merging a user's config over the embedded default. Objects merge key by key; arrays and
// scalars replace; null removes the key. A plugin slot whose `use` changes is replaced whole, since the old plugin's
// options mean nothing to the new one.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isSlot(value: unknown): value is { use: string; options?: Json } {
  return isObject(value) && typeof value.use === 'string';
}

export function mergeConfig(base: Json, override: Json): Json {
  if (!isObject(base) || !isObject(override)) return structuredClone(override);
  if (isSlot(base) && isSlot(override) && base.use !== override.use) return structuredClone(override);
  const merged: Record<string, Json> = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    // null removes a key of the base (a default baseline, say); the schema default then applies.
    if (value === null) delete merged[key];
    else merged[key] = key in merged ? mergeConfig(merged[key], value) : structuredClone(value);
  }
  return merged;
}
