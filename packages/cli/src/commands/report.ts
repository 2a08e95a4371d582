// `allo report <run-dir>`: rebuilds report.html from the files of a run directory.
import { parseArgs } from 'node:util';

import { errors, writeOut } from '@allo/core';

import { writeReport } from '../report/index.js';
import { REPORT_HELP } from '../usage.js';

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    writeOut(REPORT_HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw errors.usage(
      `allo report takes exactly one run directory, got ${positionals.length} (allo report --help)`,
    );
  const file = await writeReport(positionals[0]);
  writeOut(file);
  return 0;
}
