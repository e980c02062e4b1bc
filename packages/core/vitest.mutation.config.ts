import { defineConfig } from "vitest/config"

/**
 * The unit tests of the pure logic that `pnpm mutation` mutates (stryker.config.mjs): fast, no store
 * suites, so each mutant runs in seconds. A static mutant (module-level code) re-runs every file here;
 * with `isolate: false` the files share one module graph per run, so effect and xstate load once per
 * mutant instead of once per file (a third of the CPU). Each run still evaluates the mutated module
 * afresh, after Stryker has activated the mutant.
 */
export default defineConfig({
  test: {
    pool: "forks",
    isolate: false,
    testTimeout: 30_000,
    include: [
      "src/JobMachine.test.ts",
      "src/machineDefinitions.test.ts",
      "src/retryPolicy.test.ts",
      "src/memory/memoryTransition.test.ts",
      "src/worker/backoff.test.ts",
      "src/worker/Batcher.test.ts",
      "src/worker/BatcherTiming.test.ts",
      "src/worker/RenewScheduler.test.ts",
      "src/worker/SlotMachine.test.ts",
      "src/worker/Renewer.test.ts",
      "src/worker/Prefetch*.test.ts"
    ]
  }
})
