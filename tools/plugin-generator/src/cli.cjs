#!/usr/bin/env node
// The same generator without nx: node tools/plugin-generator/src/cli.cjs <name> --kind <kind>
// [--directory plugins] [--root DIR]. Writes files under the workspace root.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { KINDS, pluginFiles } = require('./templates.cjs');

function generate(root, options) {
  const { files, dir } = pluginFiles(options);
  for (const file of Object.keys(files)) {
    if (fs.existsSync(path.join(root, file))) throw new Error(`${file} already exists; choose another plugin name or remove it`);
  }
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  return dir;
}

if (require.main === module) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { kind: { type: 'string' }, directory: { type: 'string' }, root: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals.length !== 1 || values.kind === undefined) {
    process.stdout.write(`Usage: node tools/plugin-generator/src/cli.cjs <name> --kind <${KINDS.join('|')}> [--directory plugins]\n`);
    process.exit(values.help ? 0 : 2);
  }
  try {
    const dir = generate(values.root ?? process.cwd(), { name: positionals[0], kind: values.kind, directory: values.directory ?? 'plugins' });
    process.stdout.write(`created ${dir} and examples/${positionals[0]}\n`);
  } catch (error) {
    process.stderr.write(`allo plugin generator: ${error.message}\n`);
    process.exit(2);
  }
}

module.exports = { generate };
