import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, freePort, type TestDatabase } from "@leasehold/tooling"

const ROOT = fileURLToPath(new URL("../../../", import.meta.url))
let db: TestDatabase

beforeAll(async () => {
  db = await createTestDatabase("lh_demo")
})

afterAll(async () => {
  await db?.drop()
})

describe("pnpm demo", () => {
  it("runs master + workers, finishes the whole demo workload, and stops cleanly", async () => {
    const port = await freePort()
    const child = spawn(
      process.execPath,
      ["--import", "tsx", `${ROOT}apps/demo/src/main.ts`, "--", "--database-url", db.url, "--port", String(port), "--once"],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] }
    )
    let out = ""
    child.stdout.on("data", (d) => (out += String(d)))
    child.stderr.on("data", (d) => (out += String(d)))
    const guard = setTimeout(() => child.kill("SIGKILL"), 100_000)
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve))
    clearTimeout(guard)
    expect(code, out).toBe(0)
    expect(out).toContain("demo workload finished")
    expect(out).toContain(`[demo] dashboard: http://127.0.0.1:${port}/ui/`)
    expect(out).toMatch(/flaky job #\d+: completed on attempt 3/)
    expect(out).toMatch(/poison job #\d+: failed after 3 attempts/)
    expect(out).toMatch(/delayed job #\d+: ran after its delay, completed/)
    expect(out).toMatch(/scan demo-\w+: \[0, 20000000\) in \d+ batches .* progress 1/)
    expect(out).toContain("[worker-1] info worker pool stopped")
    expect(out).toContain("[worker-2] info worker pool stopped")
    expect(out).toContain("[demo] stopped")
  })
})
