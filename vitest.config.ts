import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the `@sumo-ops/source` condition, so
// tests run against src/ without a build step. The name is ours alone: some dependencies publish
// raw TypeScript under a plain `source` condition. Vite keeps its default conditions only if we
// list them too.
const SOURCE_CONDITION = '@sumo-ops/source';
const conditions = [SOURCE_CONDITION, 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: [SOURCE_CONDITION] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
