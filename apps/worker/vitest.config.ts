import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"
import { baseTestConfig } from "../../tooling/src/vitestConfig.ts"

/**
 * The end-to-end tests run the real master and are part of every run: a missing master or a missing
 * (renamed, deleted) e2e file stops the run instead of quietly shrinking it.
 */
const REQUIRED = ["../master/src/main.ts", ...["failures", "handlers", "prefetch", "throughput", "workflows", "workflowRandomDag", "workflowKill"].map((n) => `./test/e2e/${n}.e2e.test.ts`)]
const missing = REQUIRED.filter((p) => !existsSync(fileURLToPath(new URL(p, import.meta.url))))
if (missing.length > 0)
  throw new Error(
    `[worker tests] missing ${missing.join(", ")}: the end-to-end tests cannot run. Restore the file(s), or update REQUIRED in apps/worker/vitest.config.ts when a test was renamed on purpose.`
  )

/** tsconfig discovery is off (tooling's tsconfig points outside the repo); files run one at a time (each spawns processes). */
export default defineConfig({
  oxc: { tsconfig: false } as never,
  test: {
    ...baseTestConfig,
    fileParallelism: false,
    include: ["src/**/*.test.ts", "test/**/*.test.ts"]
  }
})
