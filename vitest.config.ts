import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// One config for the whole workspace and for each package (`vitest run` in a package dir uses
// this file through its test script). The `allo-source` export condition maps @allo/* to the
// TypeScript sources, so tests need no build.
const conditions = ['allo-source', 'node', 'import', 'default'];

// tfjs packages ship an ESM build (`module`) and a CommonJS build (`main`). Node loads the
// CommonJS one; tests must too, or two copies of tfjs-core (two engines, two kernel registries)
// end up in one process.
const require = createRequire(import.meta.url);
const tfjs = ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'];
const alias = tfjs.map((name) => ({ find: new RegExp(`^${name}$`), replacement: require.resolve(name) }));

export default defineConfig({
  resolve: { conditions, alias, mainFields: ['main'] },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ['**/src/**/*.test.ts', 'tools/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/.tmp/**'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    server: { deps: { inline: [/@allo\//] } },
  },
});
