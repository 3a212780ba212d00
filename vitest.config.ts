import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // ORT sessions use both cores already; running files in parallel only thrashes.
    fileParallelism: false,
    // CLI calls in tests never write the user's cache of optimised graphs (~/.cache/trustscope);
    // the store's own tests use temporary folders.
    env: { TRUSTSCOPE_NO_CACHE: '1' },
  },
});
