import fc from "fast-check"
import { Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { AckItem, AckRequest, EnqueueRequest, LeaseRequest } from "@leasehold/contracts"
import { fastAckItem, fastAckRequest, fastEnqueueItem, fastLeaseRequest } from "./fastAccept.ts"

const accepts = (schema: Schema.Top) => {
  const decode = Schema.decodeUnknownResult(schema as never)
  return (v: unknown) => Result.isSuccess(decode(v))
}

/** Values near each field's bounds, of the right and the wrong types. */
const edge = fc.oneof(
  fc.constantFrom(null, undefined, true, false, 0, 1, -1, 1.5, 100, 101, 1000, 1001, -1000, -1001, 31_536_000_000, 31_536_000_001, 2 ** 53, Number.MAX_SAFE_INTEGER),
  fc.constantFrom("", "a", "default", "Bad Q", "q.ok-1_x", "x".repeat(64), "x".repeat(65), "x".repeat(200), "x".repeat(201), "x".repeat(513), "completed", "failed", "done"),
  fc.jsonValue()
)
const item = (keys: ReadonlyArray<string>) => fc.dictionary(fc.constantFrom(...keys), edge)
const ackKeys = ["job_id", "lease_token", "outcome", "result", "error", "retryable", "retry_in_ms"]
const ackItem = fc.oneof(
  item(ackKeys),
  fc.record({ job_id: edge, lease_token: edge, outcome: edge, error: fc.oneof(edge, fc.record({ message: edge, stack: edge })) })
)

describe("fast acceptance never accepts what the schema refuses", () => {
  it("enqueue items", () => {
    const schemaOk = accepts(EnqueueRequest)
    const keys = ["type", "queue", "payload", "priority", "run_at", "delay_ms", "max_attempts", "idempotency_key", "other"]
    fc.assert(
      fc.property(fc.oneof(item(keys), fc.record({ type: fc.string({ minLength: 1, maxLength: 5 }) }), fc.jsonValue()), (v) => {
        if (fastEnqueueItem(v)) expect(schemaOk(v)).toBe(true)
      }),
      { numRuns: 5000 }
    )
    expect(fastEnqueueItem({ type: "t", queue: "q", payload: { a: 1 }, priority: 5, max_attempts: 3 })).toBe(true)
  })
  it("ack items and requests", () => {
    const itemOk = accepts(AckItem)
    const requestOk = accepts(AckRequest)
    fc.assert(
      fc.property(ackItem, (v) => {
        if (fastAckItem(v)) expect(itemOk(v)).toBe(true)
      }),
      { numRuns: 5000 }
    )
    fc.assert(
      fc.property(fc.record({ worker_id: edge, items: fc.oneof(edge, fc.array(ackItem, { maxLength: 3 })) }), (v) => {
        if (fastAckRequest(v)) expect(requestOk(v)).toBe(true)
      }),
      { numRuns: 3000 }
    )
    expect(fastAckRequest({ worker_id: "w", items: [{ job_id: 1, lease_token: "t", outcome: "completed" }] })).toBe(true)
  })
  it("lease requests", () => {
    const schemaOk = accepts(LeaseRequest)
    const keys = ["worker_id", "queues", "types", "max_jobs", "requested_batch_size", "lease_seconds", "wait_ms", "other"]
    const list = fc.oneof(edge, fc.array(edge, { maxLength: 3 }), fc.array(fc.constantFrom("a", "default", "Bad Q", ""), { minLength: 1, maxLength: 3 }))
    fc.assert(
      fc.property(
        fc.oneof(
          item(keys),
          fc.record({ worker_id: edge, queues: list, types: list, max_jobs: edge, lease_seconds: edge, wait_ms: edge }),
          fc.record({ worker_id: fc.constant("w"), acks: fc.oneof(edge, fc.array(ackItem, { maxLength: 3 })) }),
          fc.jsonValue()
        ),
        (v) => {
          if (fastLeaseRequest(v)) expect(schemaOk(v)).toBe(true)
        }
      ),
      { numRuns: 5000 }
    )
    expect(fastLeaseRequest({ worker_id: "w", queues: ["q"], max_jobs: 100, lease_seconds: 300 })).toBe(true)
    expect(fastLeaseRequest({ worker_id: "w", queues: ["q"], types: ["t"], wait_ms: 30_000, requested_batch_size: 10 })).toBe(true)
    const ack = { job_id: 1, lease_token: "t", outcome: "completed" }
    expect(fastLeaseRequest({ worker_id: "w", acks: [ack] })).toBe(true)
    expect(fastLeaseRequest({ worker_id: "w", acks: [] })).toBe(false)
    expect(fastLeaseRequest({ worker_id: "w", acks: Array.from({ length: 1001 }, () => ack) })).toBe(false)
    expect(fastLeaseRequest({ worker_id: "w", acks: [{ ...ack, job_id: 0 }] })).toBe(false)
  })
})
