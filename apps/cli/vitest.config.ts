import { defineConfig } from "vitest/config"
import { baseTestConfig } from "../../tooling/src/vitestConfig.ts"

/** tsconfig discovery is off: transpiling needs none, and tooling's tsconfig points outside the repo. */
export default defineConfig({ oxc: { tsconfig: false } as never, test: { ...baseTestConfig } })
