import { defineConfig } from "vitest/config"

/**
 * The unit tests of the pure logic that `pnpm mutation` mutates (stryker.config.mjs): fast, no store
 * suites, so each mutant runs in seconds.
 */
export default defineConfig({
  test: {
    pool: "forks",
    testTimeout: 30_000,
    include: [
      "src/JobMachine.test.ts",
      "src/retryPolicy.test.ts",
      "src/memory/memoryTransition.test.ts",
      "src/worker/backoff.test.ts",
      "src/worker/Batcher.test.ts",
      "src/worker/BatcherTiming.test.ts",
      "src/worker/RenewScheduler.test.ts",
      "src/worker/SlotMachine.test.ts",
      "src/worker/Prefetch*.test.ts"
    ]
  }
})
