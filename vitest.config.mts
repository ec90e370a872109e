import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'functions/**/*.test.ts',
      'shared/**/*.test.ts',
      'scripts/**/*.test.ts',
      'bicep/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', 'web/**', '.data/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // PGlite instances are ~700 MB each and the machine has 2 cores: keep parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
