import { spawn, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, freePort, type TestDatabase } from "@leasehold/tooling"
import { eventually, socketCall } from "./harness.ts"
import { startResettingProxy, type ResettingProxy } from "./resettingProxy.ts"

const MASTER_DIR = fileURLToPath(new URL("..", import.meta.url))
let db: TestDatabase
let proxy: ResettingProxy
let child: ChildProcess | undefined
beforeAll(async () => {
  db = await createTestDatabase("lh_reset")
  const u = new URL(db.url)
  proxy = await startResettingProxy({ host: u.hostname, port: Number(u.port || 5432) })
})
afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL")
  await proxy?.close()
  await db?.drop()
})

describe("a connection reset while the master reconnects", () => {
  it("answers 503 meanwhile, recovers, and never exits", async () => {
    const viaProxy = new URL(db.url)
    viaProxy.port = String(proxy.port)
    const port = await freePort()
    child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--port", String(port), "--database-url", viaProxy.toString(), "--pool-max", "2"], {
      cwd: MASTER_DIR,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout!.on("data", (d) => (output += d))
    child.stderr!.on("data", (d) => (output += d))
    const call = socketCall(`http://127.0.0.1:${port}`)
    const alive = () => {
      if (child!.exitCode !== null || child!.signalCode !== null) throw new Error(`master exited (${child!.exitCode ?? child!.signalCode}): ${output}`)
    }
    await eventually(async () => (alive(), call("GET", "/readyz").then((r) => r.status === 200, () => false)), 60_000, 100)

    const statuses: Array<number> = []
    for (let round = 0; round < 3; round++) {
      proxy.resetAllThenFirstQueries(3)
      const before = proxy.resetAtQuery()
      await eventually(async () => {
        alive()
        const r = await call("GET", "/readyz").catch(() => ({ status: 0, body: { error: { code: "no answer" } } }))
        statuses.push(r.status)
        if (r.status !== 200) expect(r.body.error.code).toBe("unavailable")
        return r.status === 200 && proxy.resetAtQuery() >= before + 3
      }, 60_000, 20)
    }
    alive()
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([])
    expect(statuses).toContain(503)
    expect(output).not.toMatch(/ECONNRESET|unhandled|uncaught/i)
    const job = await call("POST", "/api/v1/jobs", { type: "after-reset" })
    expect(job.status).toBe(201)
  })
})
