import { defineConfig } from "vitest/config"
import { baseTestConfig } from "@leasehold/tooling/vitest"

export default defineConfig({ test: { ...baseTestConfig } })
