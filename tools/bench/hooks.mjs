// Node resolution hook for running the benchmarks under plain Node: tfjs-core 4.22 ships its
// gradient registrations (dist/register_all_gradients.js, imported by @allo/core) only as ESM
// with extensionless relative imports, written for bundlers. This resolves those imports inside
// @tensorflow/* packages by trying `.js` and `/index.js`, and touches nothing else.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const parent = context.parentURL ?? '';
    if (!parent.includes('/node_modules/@tensorflow/') || !specifier.startsWith('.')) throw error;
    for (const suffix of ['.js', '/index.js']) {
      try {
        return await next(specifier + suffix, context);
      } catch {}
    }
    throw error;
  }
}
`),
);
