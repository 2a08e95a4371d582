// The allo command: dispatch to sub-commands; map errors to exit codes (2 usage or config,
// 1 failure while running) with one clear message.
import { readFileSync } from 'node:fs';

import { AlloError, createLogger, writeOut } from '@allo/core';

import { pluginsCommand } from './commands/plugins.js';
import { schemaCommand } from './commands/schema.js';
import { validateCommand } from './commands/validate.js';
import { MAIN_HELP } from './usage.js';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.js')).runCommand,
  validate: async () => validateCommand,
  plugins: async () => pluginsCommand,
  schema: async () => schemaCommand,
  generate: async () => (await import('./commands/generate.js')).generateCommand,
  data: async () => (await import('./commands/data.js')).dataCommand,
  report: async () => (await import('./commands/report.js')).reportCommand,
};

const USAGE_CODES = new Set(['USAGE', 'CONFIG_INVALID', 'CONFIG_UNREADABLE', 'PLUGIN_NOT_FOUND', 'PLUGIN_INVALID', 'PLUGIN_DUPLICATE']);

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof AlloError) return USAGE_CODES.has(error.code) ? 2 : 1;
  if ((error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) return 2;
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeOut(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    writeOut(version());
    return 0;
  }
  const load = COMMANDS[name];
  const logger = createLogger('allo');
  if (load === undefined) {
    logger.error(`unknown command "${name}"; expected one of ${Object.keys(COMMANDS).join(', ')} (allo --help)`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (error) {
    const code = exitCodeFor(error);
    const system = error as NodeJS.ErrnoException;
    if (error instanceof AlloError) logger.error(`${error.code}: ${error.message}`);
    else if (typeof system?.code === 'string' && /^E[A-Z]+$/.test(system.code) && system.path !== undefined) {
      // A file-system error outside the product's own checks: one line naming the path.
      logger.error(`IO: ${system.path}: ${system.code} (${system.message.replace(/^[A-Z]+: /, '').split(',')[0]})`);
    }
    else if (code === 2) {
      const negative = /ambiguous/.test((error as Error).message) ? '; write a negative number as --flag=-1' : '';
      logger.error(`${(error as Error).message}${negative} (allo ${name} --help)`);
    }
    else logger.error(`failed: ${(error as Error)?.stack ?? String(error)}`);
    return code;
  }
}
