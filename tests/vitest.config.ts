import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

// JS API tests run in Node against the built package in dist/ (what ships).
const root = fileURLToPath(new URL('..', import.meta.url));
// Tests import 'qwasm' as users do; it resolves to the built package.
const dist = process.env.QWASM_DIST ? `${process.env.QWASM_DIST}` : 'dist';

export default defineConfig({
  root,
  resolve: { alias: { qwasm: resolve(root, dist, 'index.js') } },
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
