import path from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: {
      '@tokensweep/analysis': path.resolve(__dirname, 'libs/analysis/src'),
      '@tokensweep/queue': path.resolve(__dirname, 'libs/queue/src'),
    },
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    projects: [
      // *.spec.ts: fast tests of code from its sources (no build, no Redis, no child processes)
      {
        extends: true,
        test: { name: 'unit', include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'test/**/*.spec.ts'] },
      },
      // *.test.ts: the built processes, a real redis-server, references; `npm run build` first
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'] } },
    ],
  },
});
