// `allo plugins`: what is installed, with options and their defaults.
import { parseArgs } from 'node:util';

import { loadConfig, writeOut } from '@allo/core';
import type { RegisteredPlugin } from '@allo/core';

import { builtinRegistry } from '../builtins.js';
import { defaultLayer } from '../defaults.js';
import { PLUGINS_HELP } from '../usage.js';

export function optionsSummary(plugin: RegisteredPlugin): string {
  const properties = (plugin.declaration.optionsSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((plugin.declaration.optionsSchema.required as string[] | undefined) ?? []);
  const parts = Object.entries(properties).map(([key, schema]) => {
    if (required.has(key)) return `${key} (required)`;
    return 'default' in schema ? `${key}=${JSON.stringify(schema.default)}` : key;
  });
  return parts.join(', ') || '(none)';
}

export async function pluginsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    writeOut(PLUGINS_HELP);
    return 0;
  }
  const registry = builtinRegistry();
  if (values.config !== undefined) await loadConfig(values.config, defaultLayer(), registry);
  const plugins = registry.all();
  if (values.json) {
    writeOut(
      JSON.stringify(
        plugins.map((p) => ({
          id: p.declaration.id,
          kind: p.declaration.kind,
          version: p.declaration.version,
          package: p.source,
          description: p.declaration.description,
          options: p.declaration.optionsSchema,
        })),
        null,
        2,
      ),
    );
    return 0;
  }
  const rows = plugins.map((p) => [p.declaration.kind, p.declaration.id, p.declaration.version, p.source]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), ['kind', 'id', 'version', 'package'][i].length));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  const out = [line(['kind', 'id', 'version', 'package'])];
  for (const [index, plugin] of plugins.entries()) {
    out.push(line(rows[index]));
    out.push(`    ${plugin.declaration.description}`);
    out.push(`    options: ${optionsSummary(plugin)}`);
  }
  writeOut(out.join('\n'));
  return 0;
}
