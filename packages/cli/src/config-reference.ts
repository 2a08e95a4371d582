// The config reference (docs/config-reference.md), generated from the core schema and every
// built-in plugin's options schema, so that it never drifts from what validation accepts.
import { coreSchema } from '@allo/core';
import type { PluginRegistry } from '@allo/core';

type Schema = Record<string, unknown>;

function typeOf(schema: Schema): string {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Schema[]).map(typeOf).join(' or ');
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (Array.isArray(schema.type)) return schema.type.join(' \\| ');
  if (typeof schema.type === 'string') {
    const bounds: string[] = [];
    if (schema.minimum !== undefined) bounds.push(`≥ ${String(schema.minimum)}`);
    if (schema.exclusiveMinimum !== undefined) bounds.push(`> ${String(schema.exclusiveMinimum)}`);
    if (schema.maximum !== undefined) bounds.push(`≤ ${String(schema.maximum)}`);
    if (schema.exclusiveMaximum !== undefined) bounds.push(`< ${String(schema.exclusiveMaximum)}`);
    return bounds.length === 0 ? schema.type : `${schema.type} (${bounds.join(', ')})`;
  }
  return 'any';
}

function cell(text: unknown): string {
  return String(text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Rows for every property, nested objects flattened as `a.b`. */
function rows(schema: Schema, prefix = ''): string[] {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const out: string[] = [];
  for (const [key, property] of Object.entries(properties)) {
    const name = `${prefix}${key}`;
    const shown = 'default' in property ? `\`${JSON.stringify(property.default)}\`` : required.has(key) ? '**required**' : '';
    const nested = property.type === 'object' && property.properties !== undefined;
    if (!nested || Object.keys(property.properties as object).length === 0) {
      out.push(`| \`${name}\` | ${typeOf(property)} | ${shown} | ${cell(property.description)} |`);
    }
    if (nested) out.push(...rows(property, `${name}.`));
  }
  return out;
}

const HEADER = '| option | type | default | description |\n| --- | --- | --- | --- |';

export function configReference(registry: PluginRegistry): string {
  const core = coreSchema() as Schema;
  const properties = core.properties as Record<string, Schema>;
  const top = Object.entries(properties)
    .filter(([key]) => key !== '$schema')
    .map(([key, schema]) => {
      const isSlot = (schema.properties as Record<string, unknown> | undefined)?.use !== undefined;
      return `| \`${key}\` | ${isSlot ? '`{ use, options }`' : typeOf(schema)} | ${'default' in schema ? `\`${JSON.stringify(schema.default)}\`` : ''} | ${cell(schema.description)} |`;
    });
  const sections = [
    '# Config reference',
    '',
    'Generated from the schemas by `npm run docs:config` (a test checks that it is current). A config',
    'is merged over the default run’s config (`packages/cli/configs/default.json`); each slot is',
    '`{ "use": "<plugin id>", "options": { … } }`, validated against that plugin’s schema below.',
    '',
    '## Top level',
    '',
    HEADER,
    ...top,
    '',
    '## `data`',
    '',
    HEADER,
    ...rows(properties.data),
    '',
    '## `eval`',
    '',
    HEADER,
    ...rows(properties.eval),
  ];
  const kinds: Array<[string, string]> = [
    ['backend', 'Backends (`backend`)'],
    ['model', 'Model loaders (`model`)'],
    ['dataset', 'Datasets (`dataset`, `evalDataset`)'],
    ['schedule', 'Loss schedules (`schedule`, `baselines.<name>`)'],
    ['neuronSelector', 'Neuron selectors (`neuronSelector`, `stages.<stage>.neuronSelector`)'],
    ['tokenScorer', 'Token scorers (`tokenScorer`, `stages.<stage>.tokenScorer`)'],
  ];
  for (const [kind, title] of kinds) {
    sections.push('', `## ${title}`);
    for (const plugin of registry.all().filter((p) => p.declaration.kind === kind)) {
      const body = rows(plugin.declaration.optionsSchema);
      sections.push(
        '',
        `### \`${plugin.declaration.id}\` — ${plugin.source} ${plugin.declaration.version}`,
        '',
        plugin.declaration.description,
        '',
        ...(body.length === 0 ? ['No options.'] : [HEADER, ...body]),
      );
    }
  }
  return `${sections.join('\n')}\n`;
}
