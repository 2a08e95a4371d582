// Node resolve hook for tfjs-core 4.22's ESM build, whose files import siblings without the ".js"
// extension (and directories without "/index.js"), which Node's ESM resolver refuses. Bundlers and
// vitest accept those specifiers; plain `node` on the built packages needs this. It only retries
// relative specifiers imported from inside node_modules/@tensorflow/.
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const retry =
      (error?.code === 'ERR_MODULE_NOT_FOUND' || error?.code === 'ERR_UNSUPPORTED_DIR_IMPORT') &&
      specifier.startsWith('.') &&
      (context.parentURL ?? '').includes('/node_modules/@tensorflow/');
    if (!retry) throw error;
    for (const suffix of ['.js', '/index.js']) {
      try {
        return await next(specifier + suffix, context);
      } catch {
        // try the next form
      }
    }
    throw error;
  }
}
