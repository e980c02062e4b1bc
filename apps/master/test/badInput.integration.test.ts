import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE, MAX_JSON_DEPTH } from "@leasehold/contracts"
import { setupMaster, uniqueQueue, type Answer, type MasterFixture } from "./harness.ts"

/** Issue 9 §3: bad input is a 400 in our own words before the database, never a 500 or a silent change. */
let fx: MasterFixture
beforeAll(async () => {
  fx = await setupMaster()
})
afterAll(async () => {
  await fx?.close()
})

const api = (method: string, path: string, body?: unknown) => fx.http(method, API_BASE + path, body)
/** Driver text or an SQLSTATE in an answer. */
const LEAK = /sqlstate|byte sequence|unicode escape|invalid input syntax|out of range for type|violates|constraint|\b(22|23|42)[0-9A-Z]{3}\b/i

const expect400 = (a: Answer, mentions?: RegExp) => {
  expect({ status: a.status, code: a.body?.error?.code }).toEqual({ status: 400, code: "validation_error" })
  expect(JSON.stringify(a.body)).not.toMatch(LEAK)
  if (mentions) expect(a.body.error.message).toMatch(mentions)
}

const leased = async () => {
  const q = uniqueQueue()
  await api("POST", "/jobs", { type: "t", queue: q })
  const lease = await api("POST", "/jobs/lease", { worker_id: "w", queues: [q] })
  return lease.body.jobs[0] as { id: number; lease_token: string }
}

describe(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`, () => {
  const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`
  it("is 400 on every body route, not a 500 from a stack overflow", async () => {
    const job = await leased()
    const routes: Array<[string, string, string]> = [
      ["POST", "/jobs", `{"type":"t","payload":${deep(5000)}}`],
      ["POST", "/jobs/batch", `{"jobs":[{"type":"t","payload":${deep(5000)}}]}`],
      ["POST", "/schedules", `{"name":"deep","cron":"* * * * *","type":"t","payload":${deep(5000)}}`],
      ["PATCH", "/schedules/deep", `{"payload":${deep(5000)}}`],
      ["POST", "/scans", `{"name":"deep","type":"t","start":0,"end":10,"payload":{"a":${deep(5000)}}}`],
      ["POST", `/jobs/${job.id}/complete`, `{"worker_id":"w","lease_token":"${job.lease_token}","result":${deep(5000)}}`],
      ["POST", "/leases/ack", `{"worker_id":"w","items":[{"job_id":${job.id},"lease_token":"${job.lease_token}","outcome":"completed","result":${deep(5000)}}]}`]
    ]
    for (const [method, path, body] of routes) expect400(await api(method, path, body), /nested deeper than/)
    expect((await api("GET", `/jobs/${job.id}`)).body.job.status).toBe("processing")
  })
  it("accepts and returns a payload at the limit unchanged", async () => {
    const payload = JSON.parse(deep(MAX_JSON_DEPTH - 1))
    const a = await api("POST", "/jobs", { type: "t", queue: uniqueQueue(), payload })
    expect(a.status).toBe(201)
    expect((await api("GET", `/jobs/${a.body.job.id}`)).body.job.payload).toEqual(payload)
  })
})

describe("text the database cannot store", () => {
  it.each([
    ["NUL in type", '{"type":"a\\u0000b"}'],
    ["NUL in queue", '{"type":"t","queue":"a\\u0000"}'],
    ["NUL in a payload string", '{"type":"t","payload":"\\u0000"}'],
    ["NUL in a payload key", '{"type":"t","payload":{"k\\u0000":1}}'],
    ["a lone high surrogate in a payload", '{"type":"t","payload":"\\ud800"}'],
    ["a lone high surrogate in type", '{"type":"\\ud800"}'],
    ["a lone low surrogate", '{"type":"t","payload":["\\udc00x"]}'],
    ["a high surrogate before another escape", '{"type":"t","payload":"\\ud800\\u0041"}'],
    ["a non-finite number", '{"type":"t","payload":1e999}'],
    ["a number too long for a double", `{"type":"t","payload":[-${"9".repeat(400)}]}`]
  ])("POST /jobs refuses %s", async (_, body) => {
    expect400(await api("POST", "/jobs", body))
  })
  it("keeps an escaped backslash before u0000, a surrogate pair and 1e308 as they are", async () => {
    const q = uniqueQueue()
    const a = await api("POST", "/jobs", `{"type":"t","queue":"${q}","payload":{"s":"\\\\u0000","e":"\\ud83d\\ude00","n":1e308}}`)
    expect(a.status).toBe(201)
    expect((await api("GET", `/jobs/${a.body.job.id}`)).body.job.payload).toEqual({ s: "\\u0000", e: "😀", n: 1e308 })
  })
  it("refuses a body that is not valid UTF-8 instead of storing U+FFFD", async () => {
    const res = await fetch(`${fx.master.url}${API_BASE}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Buffer.concat([Buffer.from('{"type":"t","payload":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])
    })
    expect400({ status: res.status, body: await res.json(), headers: res.headers }, /UTF-8/)
  })
  it("refuses NUL in a fail message, a schedule, a query value and a path segment", async () => {
    const job = await leased()
    expect400(await api("POST", `/jobs/${job.id}/fail`, `{"worker_id":"w","lease_token":"${job.lease_token}","error":{"message":"x\\u0000"}}`))
    expect400(await api("POST", "/schedules", '{"name":"nul","cron":"* * * * *","type":"t\\u0000"}'))
    expect400(await api("GET", "/jobs?type=a%00b"))
    expect400(await api("GET", "/schedules/a%00b"))
  })
})

describe("values the database would change or refuse", () => {
  it.each(["0000-01-01T00:00:00Z", "2020-02-30T00:00:00Z", "2021-02-29T00:00:00Z", "2020-04-31T10:00:00Z", "2020-01-01T24:00:00Z", "2020-01-01T10:00:00+25:00", "10000-01-01T00:00:00Z"])(
    "run_at %s is 400",
    async (run_at) => {
      expect400(await api("POST", "/jobs", { type: "t", run_at }))
      expect400(await api("POST", "/jobs/batch", { jobs: [{ type: "t" }, { type: "t", run_at }] }))
    }
  )
  it("keeps a real leap day and the last representable year", async () => {
    const q = uniqueQueue()
    const leap = await api("POST", "/jobs", { type: "t", queue: q, run_at: "2024-02-29T23:30:00-01:00" })
    expect([leap.status, leap.body.job.run_at]).toEqual([201, "2024-03-01T00:30:00.000Z"])
    const late = await api("POST", "/jobs", { type: "t", queue: q, run_at: "9999-12-31T23:59:59Z" })
    expect([late.status, late.body.job.run_at]).toEqual([201, "9999-12-31T23:59:59.000Z"])
  })
  it("requested_batch_size above the server's max is 400 before any SQL", async () => {
    expect400(await api("POST", "/jobs/lease", { worker_id: "w", requested_batch_size: 2_000_000 }), /requested_batch_size/)
  })
  it("a worker id of only whitespace is 400 on every worker route", async () => {
    const job = await leased()
    for (const worker_id of [" ", "\t\n", "   "]) {
      expect400(await api("POST", "/jobs/lease", { worker_id, queues: ["default"] }))
      expect400(await api("POST", `/jobs/${job.id}/complete`, { worker_id, lease_token: job.lease_token }))
      expect400(await api("POST", "/leases/ack", { worker_id, items: [{ job_id: job.id, lease_token: job.lease_token, outcome: "completed" }] }))
      expect400(await api("POST", "/leases/renew", { worker_id, items: [{ job_id: job.id, lease_token: job.lease_token }] }))
    }
  })
})
