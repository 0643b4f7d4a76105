import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// JS API tests run in Node against the built package in dist/ (what ships).
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['tests/js/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
