import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { AckRequest, EnqueueRequest, LeaseRequest, ListJobsQuery, errorEnvelope, ERROR_STATUS } from "./index.ts"

const ok = (schema: Schema.Top, value: unknown) => Schema.decodeUnknownExit(schema as never)(value)._tag === "Success"

describe("wire contracts", () => {
  it("treats null as absent and ignores unknown fields", () => {
    // The decoded value: nulls kept as null (absent to the handlers), the unknown field dropped.
    expect(Schema.decodeUnknownSync(EnqueueRequest as never)({ type: "email", queue: null, priority: null, whatever: { a: 1 } })).toStrictEqual({
      type: "email",
      queue: null,
      priority: null
    })
    expect(Schema.decodeUnknownSync(EnqueueRequest as never)({ type: "t", queue: "q", priority: -5, max_attempts: 3, payload: { n: [1, "x"] } })).toStrictEqual({
      type: "t",
      queue: "q",
      priority: -5,
      max_attempts: 3,
      payload: { n: [1, "x"] }
    })
  })
  it("rejects known fields of the wrong type and out-of-range numbers", () => {
    expect(ok(EnqueueRequest, { type: 5 })).toBe(false)
    expect(ok(EnqueueRequest, { type: "" })).toBe(false)
    expect(ok(EnqueueRequest, { type: "x", priority: 1001 })).toBe(false)
    expect(ok(EnqueueRequest, { type: "x", priority: 1.5 })).toBe(false)
    expect(ok(EnqueueRequest, { type: "x", max_attempts: 0 })).toBe(false)
    expect(ok(EnqueueRequest, { type: "x", queue: "Bad Queue" })).toBe(false)
    expect(ok(EnqueueRequest, { type: "x", run_at: "yesterday" })).toBe(false)
    expect(ok(EnqueueRequest, { type: "x", run_at: "2026-01-01T10:00:00+05:30" })).toBe(true)
  })
  it("bounds the lease request", () => {
    expect(Schema.decodeUnknownSync(LeaseRequest as never)({ worker_id: "w", lease_seconds: 86_400, max_jobs: 1000, wait_ms: 30_000 })).toStrictEqual({
      worker_id: "w",
      lease_seconds: 86_400,
      max_jobs: 1000,
      wait_ms: 30_000
    })
    expect(ok(LeaseRequest, { worker_id: "w", lease_seconds: 86_401 })).toBe(false)
    expect(ok(LeaseRequest, { worker_id: "w", lease_seconds: 0 })).toBe(false)
    expect(ok(LeaseRequest, { worker_id: "w", max_jobs: 1001 })).toBe(false)
    expect(ok(LeaseRequest, { worker_id: "w", wait_ms: 30_001 })).toBe(false)
    expect(ok(LeaseRequest, { worker_id: "w", requested_batch_size: 0 })).toBe(false)
    expect(ok(LeaseRequest, { max_jobs: 1 })).toBe(false)
  })
  it("validates ack items", () => {
    expect(Schema.decodeUnknownSync(AckRequest as never)({ worker_id: "w", items: [{ job_id: 1, lease_token: "t", outcome: "completed" }] })).toStrictEqual({
      worker_id: "w",
      items: [{ job_id: 1, lease_token: "t", outcome: "completed" }]
    })
    expect(ok(AckRequest, { worker_id: "w", items: [{ job_id: 1, lease_token: "t", outcome: "done" }] })).toBe(false)
    expect(ok(AckRequest, { worker_id: "w", items: [] })).toBe(false)
  })
  it("parses list query strings into numbers", () => {
    expect(Schema.decodeUnknownSync(ListJobsQuery)({ limit: "20" })).toEqual({ limit: 20 })
    expect(ok(ListJobsQuery, { limit: "501" })).toBe(false)
    expect(ok(ListJobsQuery, { limit: "abc" })).toBe(false)
  })
  it("builds the error envelope with the documented statuses", () => {
    expect(errorEnvelope("lease_lost", "gone")).toEqual({ error: { code: "lease_lost", message: "gone" } })
    expect(ERROR_STATUS.payload_too_large).toBe(413)
    expect(ERROR_STATUS.unavailable).toBe(503)
  })
})
