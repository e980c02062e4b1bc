import { defineConfig } from "vitest/config"
import { baseTestConfig } from "../../tooling/src/vitestConfig.ts"

/** Browser tests drive one Chromium and one master each: run the files one after another (the machine is small). */
export default defineConfig({
  oxc: { tsconfig: false } as never,
  test: { ...baseTestConfig, include: ["test/**/*.test.ts"], fileParallelism: false }
})
