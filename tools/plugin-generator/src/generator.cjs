// The nx generator: `npx nx g @allo/plugin-generator:plugin <name> --kind=<kind>`.
'use strict';

const { pluginFiles } = require('./templates.cjs');

/** Writes the package and its example into the nx Tree and adds its tsconfig reference. */
async function pluginGenerator(tree, options) {
  const { files, dir } = pluginFiles(options);
  for (const [file, content] of Object.entries(files)) {
    if (tree.exists(file)) throw new Error(`${file} already exists; choose another plugin name or remove it`);
    tree.write(file, content);
  }
  if (tree.exists('tsconfig.json')) {
    const root = JSON.parse(tree.read('tsconfig.json', 'utf-8'));
    root.references = root.references ?? [];
    if (!root.references.some((ref) => ref.path === dir)) root.references.push({ path: dir });
    tree.write('tsconfig.json', `${JSON.stringify(root, null, 2)}\n`);
  }
  return () => {
    process.stdout.write(`created ${dir}; run \`npm install\` to link it, then \`npx vitest run ${dir}\`\n`);
  };
}

module.exports = pluginGenerator;
module.exports.default = pluginGenerator;
