// `allo schema`: the assembled JSON Schema (core + every installed plugin's options).
import { parseArgs } from 'node:util';

import { assembleSchema, loadConfig, writeFileAtomic, writeOut } from '@allo/core';

import { builtinRegistry } from '../builtins.js';
import { defaultLayer } from '../defaults.js';
import { SCHEMA_HELP } from '../usage.js';

export async function schemaCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    writeOut(SCHEMA_HELP);
    return 0;
  }
  const registry = builtinRegistry();
  if (values.config !== undefined) await loadConfig(values.config, defaultLayer(), registry);
  const text = `${JSON.stringify(assembleSchema(registry), null, 2)}\n`;
  if (values.out === undefined) writeOut(text);
  else await writeFileAtomic(values.out, text);
  return 0;
}
