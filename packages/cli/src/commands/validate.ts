// `allo validate <config>`: every problem at once, each with its path; exit 2 when invalid.
import { parseArgs } from 'node:util';

import { AlloError, checkStageOverrides, errors, loadConfig, writeOut } from '@allo/core';

import { builtinRegistry } from '../builtins.js';
import { defaultLayer } from '../defaults.js';
import { VALIDATE_HELP } from '../usage.js';

export async function validateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    writeOut(VALIDATE_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw errors.usage('allo validate takes exactly one config file (allo validate --help)');
  const registry = builtinRegistry();
  let loaded;
  try {
    loaded = await loadConfig(positionals[0], defaultLayer(), registry);
    checkStageOverrides(loaded, registry);
  } catch (error) {
    if (values.json && error instanceof AlloError) {
      const issues = error.issues.length > 0 ? error.issues : [{ path: error.path ?? '', message: error.message }];
      writeOut(JSON.stringify({ valid: false, code: error.code, issues }, null, 2));
    }
    throw error;
  }
  if (values.json) writeOut(JSON.stringify({ valid: true, config: loaded.config }, null, 2));
  else writeOut(`${positionals[0]}: valid (schedule ${loaded.config.schedule.use}, model ${loaded.config.model.use}, dataset ${loaded.config.dataset.use})`);
  return 0;
}
