import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { connect, makePgJobStore } from "@leasehold/store-postgres"
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from "@leasehold/tooling"
import { runStore } from "../src/http/runStore.ts"
import { startMaster, type RunningMaster } from "../src/startMaster.ts"
import { silentLogger } from "../src/http/Logger.ts"
import { eventually, socketCall, type Call } from "./harness.ts"

let dataDir: string
let port: number
let pg: EmbeddedServer | undefined
let master: RunningMaster | undefined
let call: Call

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "leasehold-outage-"))
  port = await freePort()
  pg = await startEmbeddedPostgres({ dataDir, port, persistent: true })
  // No fallback re-poll within the test's waits: only a notification can answer the last long-poll.
  master = await startMaster({ databaseUrl: pg.url, port: 0, poolMax: 4, sweepIntervalMs: 200, leaseRepollMs: 3_600_000 }, { log: silentLogger })
  call = socketCall(master.url)
})
afterAll(async () => {
  await master?.stop()
  await pg?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe("a database restart during traffic", () => {
  it("answers 503 unavailable while PostgreSQL is down, recovers by itself, and loses no acknowledged job", async () => {
    const acknowledged: Array<number> = []
    const statuses = new Set<number>()
    let traffic = true
    const producer = (async () => {
      for (let i = 0; traffic && i < 100_000; i++) {
        const r = await call("POST", `${API_BASE}/jobs`, { type: "t", queue: "outage", payload: { i } })
        statuses.add(r.status)
        if (r.status === 201) acknowledged.push(r.body.job.id)
        else expect(r.body.error.code).toBe("unavailable")
      }
    })()
    const poller = (async () => {
      for (let i = 0; traffic && i < 100_000; i++) {
        const r = await call("POST", `${API_BASE}/jobs/lease`, { worker_id: "w", queues: ["other"], wait_ms: 50 })
        statuses.add(r.status)
      }
    })()
    await eventually(async () => acknowledged.length >= 20)
    await pg!.stop()
    pg = undefined
    const down = await eventually(async () => {
      const r = await call("GET", "/readyz")
      return r.status === 503 ? r : undefined
    })
    expect(down.body.error.code).toBe("unavailable")
    const enqueueDown = await eventually(async () => {
      const r = await call("POST", `${API_BASE}/jobs`, { type: "t", queue: "outage" })
      return r.status === 503 ? r : undefined
    })
    expect(enqueueDown.body.error.code).toBe("unavailable")
    const readDown = await call("GET", `${API_BASE}/stats`)
    expect([readDown.status, readDown.body.error.code]).toEqual([503, "unavailable"])
    expect((await call("GET", "/healthz")).status).toBe(200)
    const before = acknowledged.length

    pg = await startEmbeddedPostgres({ dataDir, port, persistent: true })
    await eventually(async () => (await call("GET", "/readyz")).status === 200, 30_000)
    await eventually(async () => acknowledged.length > before + 20, 30_000)
    traffic = false
    await Promise.all([producer, poller])

    expect([...statuses].filter((s) => s !== 200 && s !== 201 && s !== 503)).toEqual([])
    expect(statuses.has(503)).toBe(true)
    const stored = new Set<number>()
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page: any = await call("GET", `${API_BASE}/jobs?queue=outage&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)
      for (const j of page.body.jobs) stored.add(j.id)
      cursor = page.body.next_cursor
    }
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([])
    // The LISTEN connection is back: a job enqueued past this master (no local wake) still wakes it.
    const timeoutsBefore = master!.longPollWakes().timeout
    const woke = call("POST", `${API_BASE}/jobs/lease`, { worker_id: "w2", queues: ["after-outage"], wait_ms: 20_000 })
    await eventually(async () => master!.waitingOn("after-outage") > 0)
    const sql = connect(pg.url, { max: 1 })
    const { job } = await runStore(makePgJobStore({ sql }).jobEnqueue({ job: { type: "t", queue: "after-outage" } })).finally(() => sql.end({ timeout: 5 }))
    expect((await woke).body.jobs.map((j: any) => j.id)).toEqual([job.id])
    expect(master!.longPollWakes().timeout).toBe(timeoutsBefore)
  })
})
