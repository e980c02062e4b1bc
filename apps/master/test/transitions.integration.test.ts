import { connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { makeLogger } from "../src/http/Logger.ts"
import { eventually, setupMaster, uniqueQueue, type MasterFixture } from "./harness.ts"

/** Issue 9 §3: metrics count transitions, not calls; a client abort is not a server error. Real socket, real PostgreSQL. */
let fx: MasterFixture
const lines: Array<string> = []
beforeAll(async () => {
  fx = await setupMaster({}, { log: makeLogger("info", (l) => void lines.push(l)) })
})
afterAll(async () => {
  await fx?.close()
})

const api = (method: string, path: string, body?: unknown) => fx.http(method, API_BASE + path, body)
const metric = async (name: string, labels: string): Promise<number> => {
  const text = (await fx.http("GET", "/metrics")).body as string
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels))
  return line ? Number(line.split(" ").at(-1)) : 0
}
const leaseAll = async (queue: string, n: number) => {
  for (let i = 0; i < n; i++) expect((await api("POST", "/jobs", { type: "t", queue })).status).toBe(201)
  const leased = await api("POST", "/jobs/lease", { worker_id: "w1", queues: [queue], max_jobs: n })
  expect(leased.body.jobs).toHaveLength(n)
  return leased.body.jobs as Array<{ id: number; lease_token: string }>
}

describe("leasehold_jobs_completed_total counts completions, not calls", () => {
  it("an idempotent repeat complete is not counted again; the right token from another worker is lease_lost", async () => {
    const queue = uniqueQueue()
    const [a, b] = await leaseAll(queue, 2)
    for (const job of [a!, b!]) {
      for (let i = 0; i < 2; i++) {
        const done = await api("POST", `/jobs/${job.id}/complete`, { worker_id: "w1", lease_token: job.lease_token })
        expect([done.status, done.body.job.status]).toEqual([200, "completed"])
      }
    }
    const other = await api("POST", `/jobs/${a!.id}/complete`, { worker_id: "w2", lease_token: a!.lease_token })
    expect([other.status, other.body.error.code]).toEqual([409, "lease_lost"])
    expect(await metric("leasehold_jobs_completed_total", `queue="${queue}"`)).toBe(2)
  })
  it("a repeated ack is not counted again; another worker's repeat ack is lease_lost per item", async () => {
    const queue = uniqueQueue()
    const jobs = await leaseAll(queue, 3)
    const items = jobs.map((j) => ({ job_id: j.id, lease_token: j.lease_token, outcome: "completed" }))
    for (let i = 0; i < 2; i++) {
      const acked = await api("POST", "/leases/ack", { worker_id: "w1", items })
      expect(acked.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, true, true])
    }
    const single = await api("POST", `/jobs/${jobs[0]!.id}/complete`, { worker_id: "w1", lease_token: jobs[0]!.lease_token })
    expect(single.status).toBe(200)
    const foreign = await api("POST", "/leases/ack", { worker_id: "w2", items })
    expect(foreign.body.results.map((r: { error?: { code: string } }) => r.error?.code)).toEqual(["lease_lost", "lease_lost", "lease_lost"])
    expect(await metric("leasehold_jobs_completed_total", `queue="${queue}"`)).toBe(3)
  })
})

describe("a client that closes mid-body", () => {
  it("is counted as 499, not 500, and not logged as an unhandled error", async () => {
    const { port } = new URL(fx.master.url)
    const route = `route="${API_BASE}/jobs"`
    const before = await metric("leasehold_http_request_duration_seconds_count", `${route},status="499"`)
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(port), "127.0.0.1", () => {
          socket.write(`POST ${API_BASE}/jobs HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"type":"t","payload":"`)
          setImmediate(() => socket.destroy())
        })
        socket.on("close", () => resolve())
        socket.on("error", reject)
      })
    }
    await eventually(async () => (await metric("leasehold_http_request_duration_seconds_count", `${route},status="499"`)) >= before + 3)
    expect(await metric("leasehold_http_request_duration_seconds_count", `${route},status="500"`)).toBe(0)
    expect(lines.filter((l) => l.includes("unhandled error") || l.includes('"level":"error"'))).toEqual([])
  })
})
