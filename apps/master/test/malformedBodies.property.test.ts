import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { setupMaster, type MasterFixture } from "./harness.ts"

let fx: MasterFixture
let jobId = 1
beforeAll(async () => {
  fx = await setupMaster()
  const made = await fx.local("POST", `${API_BASE}/jobs`, { type: "t", queue: "prop" })
  jobId = made.body.job.id
  await fx.local("POST", `${API_BASE}/scans`, { name: "prop-scan", type: "t", queue: "prop-scan", start: 0, end: 10 })
})
afterAll(async () => {
  await fx?.close()
})

/** Every POST (and PATCH) route, with the field names its body knows, so wrong-typed known fields get tried. */
const ROUTES: ReadonlyArray<readonly [string, () => string, ReadonlyArray<string>]> = [
  ["POST", () => "/jobs", ["type", "queue", "payload", "priority", "run_at", "delay_ms", "max_attempts", "idempotency_key"]],
  ["POST", () => "/jobs/batch", ["jobs"]],
  ["POST", () => "/jobs/lease", ["worker_id", "queues", "types", "max_jobs", "requested_batch_size", "lease_seconds", "wait_ms"]],
  ["POST", () => `/jobs/${jobId}/renew`, ["worker_id", "lease_token", "lease_seconds"]],
  ["POST", () => `/jobs/${jobId}/complete`, ["worker_id", "lease_token", "result"]],
  ["POST", () => `/jobs/${jobId}/fail`, ["worker_id", "lease_token", "error", "retryable", "retry_in_ms"]],
  ["POST", () => `/jobs/${jobId}/release`, ["worker_id", "lease_token"]],
  ["POST", () => `/jobs/${jobId}/retry`, []],
  ["POST", () => `/jobs/${jobId}/cancel`, []],
  ["POST", () => "/leases/ack", ["worker_id", "items"]],
  ["POST", () => "/leases/renew", ["worker_id", "items", "lease_seconds"]],
  ["POST", () => "/leases/recover", []],
  ["POST", () => "/scans", ["name", "type", "queue", "start", "end", "default_batch_size", "max_batch_size", "payload", "max_attempts"]],
  ["POST", () => "/scans/prop-scan/pause", []],
  ["POST", () => "/scans/prop-scan/resume", []],
  ["POST", () => "/schedules", ["name", "cron", "timezone", "queue", "type", "payload", "max_attempts", "enabled", "misfire_policy", "backfill_limit"]],
  ["PATCH", () => "/schedules/nope", ["cron", "timezone", "queue", "type", "payload", "enabled"]],
  ["POST", () => "/schedules/nope/pause", []],
  ["POST", () => "/schedules/nope/resume", []]
]

const weird = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(-1, 0, 1.5, 1e308, -1e308, 2 ** 63, "", " ", "Bad Name", "2026-13-45T99:99:99Z", [], {}, [null], { start: 1 }, "x".repeat(300))
)

const malformed = (fields: ReadonlyArray<string>) =>
  fc.oneof(
    fc.string().map((s) => `{${s}`),
    fc.string(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fields.length === 0
      ? fc.constant("[]")
      : fc.dictionary(fc.constantFrom(...fields), weird, { minKeys: 1 }).map((o) => JSON.stringify(o))
  )

describe("random malformed bodies at every POST route", () => {
  it.each(ROUTES.map((r) => [`${r[0]} ${r[1]()}`, r] as const))("%s: always an enveloped answer below 500", async (_name, [method, path, fields]) => {
    await fc.assert(
      fc.asyncProperty(malformed(fields), async (body) => {
        const a = await fx.local(method, API_BASE + path(), body)
        expect(a.status).toBeLessThan(500)
        if (a.status >= 400) {
          expect(typeof a.body?.error?.code).toBe("string")
          expect(typeof a.body?.error?.message).toBe("string")
        }
        if (fields.length > 0 && (typeof JSON.parse(safe(body)) !== "object" || JSON.parse(safe(body)) === null || Array.isArray(JSON.parse(safe(body)))))
          expect(a.status).toBeGreaterThanOrEqual(400)
      }),
      { numRuns: 40 }
    )
  })
})

const safe = (text: string) => {
  try {
    JSON.parse(text)
    return text
  } catch {
    return "1"
  }
}
