import { defineConfig } from 'vitest/config';

// One config for the whole workspace and for each package (`vitest run` in a package dir uses
// this file through its test script). The `allo-source` export condition maps @allo/* to the
// TypeScript sources, so tests need no build.
const conditions = ['allo-source', 'module', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
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
