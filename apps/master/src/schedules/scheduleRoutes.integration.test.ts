import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeSchedules } from "./index.ts"
import { makeScheduler } from "./Scheduler.ts"
import { makeClock, makeTestLogger, mountLikeMaster, openSchedulesTestDb, type SchedulesTestDb } from "./schedulesTestHarness.ts"

let t: SchedulesTestDb
const T0 = new Date("2026-09-01T12:00:00.250Z")
const clock = makeClock(T0)
let app: ReturnType<typeof mountLikeMaster>
let schedules: ReturnType<typeof makeSchedules>

beforeAll(async () => {
  t = await openSchedulesTestDb()
  schedules = makeSchedules({ sql: t.sql, store: t.store, log: makeTestLogger().log, now: clock.now })
  app = mountLikeMaster(schedules.routes)
})
afterAll(async () => {
  await t.close()
})

const call = async (method: string, path: string, body?: unknown) => {
  const init: RequestInit = { method, headers: { "content-type": "application/json" } }
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body)
  const res = await app.request(`/api/v1/schedules${path}`, init)
  const text = await res.text()
  return { status: res.status, body: text === "" ? undefined : (JSON.parse(text) as any) }
}
const expectError = (res: { status: number; body: any }, status: number, code: string) => {
  expect(res.status).toBe(status)
  expect(res.body.error.code).toBe(code)
  expect(typeof res.body.error.message).toBe("string")
}

describe("POST /schedules", () => {
  it("creates with defaults and answers 201 {schedule} with next_run_at", async () => {
    const res = await call("POST", "", { name: "nightly", cron: "0 3 * * *", type: "report" })
    expect(res.status).toBe(201)
    expect(res.body.schedule).toEqual({
      name: "nightly",
      cron: "0 3 * * *",
      timezone: "UTC",
      queue: "default",
      type: "report",
      payload: null,
      max_attempts: 3,
      enabled: true,
      misfire_policy: "skip",
      backfill_limit: 10,
      next_run_at: "2026-09-02T03:00:00Z",
      last_run_at: null,
      created_at: T0.toISOString(),
      updated_at: T0.toISOString()
    })
  })
  it("computes next_run_at in the schedule's time zone; enabled false has none", async () => {
    const berlin = await call("POST", "", { name: "berlin", cron: "0 0 9 * * 1-5", timezone: "Europe/Berlin", type: "t" })
    expect(berlin.body.schedule.next_run_at).toBe("2026-09-02T07:00:00Z")
    const off = await call("POST", "", { name: "off", cron: "* * * * *", type: "t", enabled: false, payload: { a: [1] } })
    expect(off.body.schedule).toMatchObject({ enabled: false, next_run_at: null, payload: { a: [1] } })
  })
  it("treats null as absent", async () => {
    const res = await call("POST", "", { name: "nulls", cron: "* * * * *", type: "t", queue: null, timezone: null })
    expect(res.status).toBe(201)
    expect(res.body.schedule).toMatchObject({ queue: "default", timezone: "UTC" })
  })
  it("answers 409 conflict for a name that exists", async () => {
    await call("POST", "", { name: "dup", cron: "* * * * *", type: "t" })
    expectError(await call("POST", "", { name: "dup", cron: "*/5 * * * *", type: "t" }), 409, "conflict")
  })
  it.each([
    ["a 4-field cron", { name: "x", cron: "* * * *", type: "t" }],
    ["a 7-field cron", { name: "x", cron: "0 0 0 * * * 2030", type: "t" }],
    ["an out-of-range field", { name: "x", cron: "0 25 * * *", type: "t" }],
    ["garbage cron", { name: "x", cron: "every day", type: "t" }],
    ["a cron that never fires", { name: "x", cron: "0 0 31 2 *", type: "t" }],
    ["an unknown time zone", { name: "x", cron: "* * * * *", timezone: "Europe/Atlantis", type: "t" }],
    ["an unknown misfire policy", { name: "x", cron: "* * * * *", type: "t", misfire_policy: "sometimes" }],
    ["a wrong type", { name: "x", cron: 5, type: "t" }],
    ["a missing type", { name: "x", cron: "* * * * *" }],
    ["a bad name", { name: "Bad Name", cron: "* * * * *", type: "t" }],
    ["a bad queue", { name: "x", cron: "* * * * *", type: "t", queue: "No!" }],
    ["max_attempts out of range", { name: "x", cron: "* * * * *", type: "t", max_attempts: 0 }],
    ["backfill_limit out of range", { name: "x", cron: "* * * * *", type: "t", backfill_limit: 1001 }],
    ["a non-object body", [1, 2]],
    ["malformed JSON", "{not json"],
    ["an empty body", ""]
  ])("answers 400 validation_error for %s", async (_, body) => {
    expectError(await call("POST", "", body), 400, "validation_error")
  })
  it("ignores unknown fields (SPEC: on every route)", async () => {
    const res = await call("POST", "", { name: "extra", cron: "* * * * *", type: "t", crn: "oops", color: { r: 1 } })
    expect(res.status).toBe(201)
    expect(res.body.schedule).not.toHaveProperty("crn")
    const patched = await call("PATCH", "/extra", { max_attempts: 7, crn: "oops" })
    expect([patched.status, patched.body.schedule.max_attempts]).toEqual([200, 7])
  })
  it("names the offending field in the message", async () => {
    const res = await call("POST", "", { name: "x", cron: "* * * * *", type: "t", max_attempts: "3" })
    expect(res.body.error.message).toContain("max_attempts")
    const tz = await call("POST", "", { name: "x", cron: "* * * * *", timezone: "Mars/Base", type: "t" })
    expect(tz.body.error.message).toContain("Mars/Base")
  })
  it("answers 413 for a payload over 1 MiB", async () => {
    expectError(await call("POST", "", { name: "big", cron: "* * * * *", type: "t", payload: "x".repeat(1024 * 1024 + 1) }), 413, "payload_too_large")
  })
})

describe("reading, updating and deleting", () => {
  it("lists by name and gets one; unknown names are 404", async () => {
    await call("POST", "", { name: "list-b", cron: "* * * * *", type: "t" })
    await call("POST", "", { name: "list-a", cron: "* * * * *", type: "t" })
    const names = (await call("GET", "")).body.schedules.map((s: { name: string }) => s.name)
    expect(names.indexOf("list-a")).toBeLessThan(names.indexOf("list-b"))
    expect((await call("GET", "/list-a")).body.schedule.name).toBe("list-a")
    expectError(await call("GET", "/nope"), 404, "not_found")
    expectError(await call("PATCH", "/nope", { cron: "* * * * *" }), 404, "not_found")
    expectError(await call("DELETE", "/nope"), 404, "not_found")
    expectError(await call("POST", "/nope/pause"), 404, "not_found")
    expectError(await call("POST", "/nope/resume"), 404, "not_found")
    expectError(await call("GET", "/nope/preview"), 404, "not_found")
  })
  it("PATCH changes any field, recomputes next_run_at and answers {schedule}", async () => {
    await call("POST", "", { name: "patch", cron: "0 3 * * *", type: "t" })
    clock.advance(60_000)
    const res = await call("PATCH", "/patch", { cron: "0 */6 * * *", timezone: "America/New_York", payload: { v: 2 } })
    expect(res.status).toBe(200)
    expect(res.body.schedule).toMatchObject({
      cron: "0 */6 * * *",
      timezone: "America/New_York",
      payload: { v: 2 },
      type: "t",
      next_run_at: "2026-09-01T16:00:00Z",
      updated_at: clock.now().toISOString()
    })
    const queue = await call("PATCH", "/patch", { queue: "reports" })
    expect(queue.body.schedule).toMatchObject({ queue: "reports", cron: "0 */6 * * *", payload: { v: 2 } })
  })
  it("PATCH validates like POST and changes nothing on a bad field", async () => {
    await call("POST", "", { name: "patch-bad", cron: "0 3 * * *", type: "t" })
    expectError(await call("PATCH", "/patch-bad", { cron: "0 3 * *" }), 400, "validation_error")
    expectError(await call("PATCH", "/patch-bad", { timezone: "Nowhere/Land" }), 400, "validation_error")
    expectError(await call("PATCH", "/patch-bad", { name: "renamed" }), 400, "validation_error")
    expectError(await call("PATCH", "/patch-bad", { max_attempts: "3" }), 400, "validation_error")
    expectError(await call("PATCH", "/patch-bad", "nope"), 400, "validation_error")
    expect((await call("GET", "/patch-bad")).body.schedule).toMatchObject({ cron: "0 3 * * *", timezone: "UTC" })
  })
  it("DELETE answers 204 and the schedule is gone", async () => {
    await call("POST", "", { name: "gone", cron: "* * * * *", type: "t" })
    const res = await call("DELETE", "/gone")
    expect(res.status).toBe(204)
    expect(res.body).toBeUndefined()
    expectError(await call("GET", "/gone"), 404, "not_found")
  })
})

describe("preview", () => {
  it("lists the next N fire times (default 5) in UTC", async () => {
    await call("POST", "", { name: "pv", cron: "30 2 * * *", timezone: "Europe/Berlin", type: "t" })
    const five = await call("GET", "/pv/preview")
    expect(five.body.fire_times).toHaveLength(5)
    expect(five.body.fire_times[0]).toBe("2026-09-02T00:30:00Z")
    const two = await call("GET", "/pv/preview?count=2")
    expect(two.body.fire_times).toEqual(["2026-09-02T00:30:00Z", "2026-09-03T00:30:00Z"])
  })
  it.each(["0", "101", "abc", "1.5"])("answers 400 for count=%s", async (count) => {
    expectError(await call("GET", `/pv/preview?count=${count}`), 400, "validation_error")
  })
})

describe("pause and resume", () => {
  it("pause sets enabled false and next_run_at null; no job fires; resume recomputes from now", async () => {
    const start = new Date("2026-09-10T00:00:00Z")
    clock.set(start)
    const name = "pausable"
    await call("POST", "", { name, cron: "*/10 * * * * *", type: "t", queue: name })
    const paused = await call("POST", `/${name}/pause`)
    expect(paused.status).toBe(200)
    expect(paused.body.schedule).toMatchObject({ enabled: false, next_run_at: null })
    const pass = makeScheduler({ sql: t.sql, store: t.store, log: makeTestLogger().log, now: clock.now, tickIntervalMs: 1 })
    for (let i = 0; i < 6; i++) {
      clock.advance(10_000)
      await pass.runOnce()
    }
    const jobs = async () => (await Effect.runPromise(t.store.jobList({ queue: name, limit: 100 }))).jobs
    expect(await jobs()).toEqual([])
    expect((await call("POST", `/${name}/pause`)).body.schedule.enabled).toBe(false)
    const resumed = await call("POST", `/${name}/resume`)
    expect(resumed.body.schedule).toMatchObject({ enabled: true, next_run_at: "2026-09-10T00:01:10Z" })
    clock.advance(10_000)
    await pass.runOnce()
    expect((await jobs()).map((j) => j.idempotency_key)).toEqual([`schedule:${name}:2026-09-10T00:01:10Z`])
    const again = await call("POST", `/${name}/resume`)
    expect(again.body.schedule.next_run_at).toBe("2026-09-10T00:01:20Z")
  })
  it("PATCH enabled false pauses and enabled true resumes", async () => {
    await call("POST", "", { name: "toggle", cron: "0 * * * *", type: "t" })
    expect((await call("PATCH", "/toggle", { enabled: false })).body.schedule).toMatchObject({ enabled: false, next_run_at: null })
    expect((await call("PATCH", "/toggle", { enabled: true })).body.schedule.next_run_at).not.toBeNull()
  })
})
