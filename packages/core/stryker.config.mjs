/**
 * Mutation testing of core's pure logic (`pnpm mutation` at the root). Runs offline: the vitest
 * runner plugin is a local devDependency, the reporters write files only (no dashboard upload).
 * @type {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  mutate: [
    "src/JobMachine.ts",
    "src/retryPolicy.ts",
    "src/worker/backoff.ts",
    "src/worker/Batcher.ts",
    "src/worker/RenewScheduler.ts",
    "src/worker/SlotMachine.ts",
    "src/worker/Renewer.ts",
    "src/worker/Prefetch.ts",
    "!src/**/*.test.ts"
  ],
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  coverageAnalysis: "perTest",
  // Static mutants (module-level code: the xstate machine configurations, constants) are included: the
  // machine tables are the lifecycle itself. Each reloads every test file, so the run is slow; one
  // process keeps it from starving the rest of a shared machine (run it under `nice`).
  ignoreStatic: false,
  concurrency: 1,
  timeoutMS: 20_000,
  thresholds: { high: 90, low: 85, break: 85 },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always"
}
