import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { RenewManyRequest, RenewManyResponse } from "@leasehold/contracts"
import type { MasterClientShape } from "./MasterClient.ts"
import { MasterError } from "./MasterError.ts"
import { makeRenewer, renewDelayMs } from "./Renewer.ts"

describe("renewDelayMs", () => {
  const serverNow = "2026-01-01T00:00:00.000Z"
  const leaseExpiresAt = "2026-01-01T00:01:40.000Z"
  const at = (ms: number) => new Date(Date.parse(serverNow) + ms).toISOString()

  it("follows the master's renew_after hint, measured against the master's own clock", () => {
    expect(renewDelayMs({ serverNow, leaseExpiresAt, renewAfter: "2026-01-01T00:00:50.000Z" })).toEqual({
      delayMs: 50_000,
      fraction: 0.5,
      durationMs: 100_000
    })
    expect(renewDelayMs({ serverNow, leaseExpiresAt, renewAfter: at(30_000) })).toEqual({ delayMs: 30_000, fraction: 0.3, durationMs: 100_000 })
  })

  it("a configured renew-at fraction wins over the hint, even 0; no hint means half-way", () => {
    expect(renewDelayMs({ serverNow, leaseExpiresAt, renewAfter: "2026-01-01T00:00:50.000Z", renewAt: 0.25 }).delayMs).toBe(25_000)
    expect(renewDelayMs({ serverNow, leaseExpiresAt, renewAfter: at(30_000), renewAt: 0 })).toEqual({ delayMs: 0, fraction: 0, durationMs: 100_000 })
    expect(renewDelayMs({ serverNow, leaseExpiresAt })).toEqual({ delayMs: 50_000, fraction: 0.5, durationMs: 100_000 })
    expect(renewDelayMs({ serverNow, leaseExpiresAt, renewAfter: "garbage" }).fraction).toBe(0.5)
  })

  it("ignores a hint outside the lease (at or before now, at or after the expiry) and renews half-way", () => {
    for (const hint of [at(-1_000), at(0), at(100_000), at(150_000)])
      expect(renewDelayMs({ serverNow, leaseExpiresAt, renewAfter: hint }), hint).toEqual({ delayMs: 50_000, fraction: 0.5, durationMs: 100_000 })
  })

  it("rounds down to whole ms, never below 0, and treats an already expired lease as 1 ms long", () => {
    expect(renewDelayMs({ serverNow, leaseExpiresAt: at(3), renewAt: 0.5 }).delayMs).toBe(1)
    expect(renewDelayMs({ serverNow, leaseExpiresAt, renewAt: -0.5 }).delayMs).toBe(0)
    expect(renewDelayMs({ serverNow, leaseExpiresAt: at(-5_000) })).toEqual({ delayMs: 0, fraction: 0.5, durationMs: 1 })
    expect(renewDelayMs({ serverNow, leaseExpiresAt: at(0), renewAt: 1 })).toEqual({ delayMs: 1, fraction: 1, durationMs: 1 })
  })
})

/** A master whose renew answers are scripted; every request is recorded. */
const fakeClient = (answer: (request: RenewManyRequest, call: number) => Effect.Effect<RenewManyResponse, MasterError>) => {
  const requests: Array<RenewManyRequest> = []
  const client = {
    renew: (request: RenewManyRequest) => Effect.suspend(() => (requests.push(request), answer(request, requests.length)))
  } as unknown as MasterClientShape
  return { client, requests }
}
const fast = { baseMs: 1, capMs: 2 }

describe("makeRenewer", () => {
  it("renews the leases submitted together in one call and answers each by job id, whatever the order of the answer", async () => {
    const { client, requests } = fakeClient((request) =>
      Effect.succeed({
        results: [...request.items].reverse().map((i) => ({ job_id: i.job_id, ok: true, lease_expires_at: `exp-${i.job_id}` }))
      } as RenewManyResponse)
    )
    const results = await Effect.runPromise(
      Effect.gen(function* () {
        const renewer = yield* makeRenewer({ client, workerId: "w-1", leaseSeconds: 30, backoff: fast, onRetry: () => {} })
        const out = yield* Effect.forEach([1, 2, 3], (id) => renewer.submit({ job_id: id, lease_token: `t${id}` }), { concurrency: "unbounded" })
        yield* renewer.close
        return out
      })
    )
    expect(requests).toEqual([
      {
        worker_id: "w-1",
        lease_seconds: 30,
        items: [
          { job_id: 1, lease_token: "t1" },
          { job_id: 2, lease_token: "t2" },
          { job_id: 3, lease_token: "t3" }
        ]
      }
    ])
    expect(results).toEqual([1, 2, 3].map((id) => ({ job_id: id, ok: true, lease_expires_at: `exp-${id}` })))
  })

  it("sends no lease_seconds unless configured, and reports a lease missing from the answer as an internal error", async () => {
    const { client, requests } = fakeClient(() => Effect.succeed({ results: [{ job_id: 2, ok: true, lease_expires_at: "x" }] } as RenewManyResponse))
    const results = await Effect.runPromise(
      Effect.gen(function* () {
        const renewer = yield* makeRenewer({ client, workerId: "w-2", backoff: fast, onRetry: () => {} })
        const out = yield* Effect.forEach([1, 2], (id) => renewer.submit({ job_id: id, lease_token: `t${id}` }), { concurrency: "unbounded" })
        yield* renewer.close
        return out
      })
    )
    expect(Object.keys(requests[0]!).sort()).toEqual(["items", "worker_id"])
    expect(results).toEqual([
      { job_id: 1, ok: false, error: { code: "internal", message: "missing from the renew answer" } },
      { job_id: 2, ok: true, lease_expires_at: "x" }
    ])
  })

  it("retries a master that is unavailable, telling onRetry, and renews once it answers", async () => {
    const retried: Array<string> = []
    const { client, requests } = fakeClient((request, call) =>
      call < 3
        ? Effect.fail(new MasterError({ reason: "Unavailable", message: `down ${call}` }))
        : Effect.succeed({ results: request.items.map((i) => ({ job_id: i.job_id, ok: true })) } as RenewManyResponse)
    )
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const renewer = yield* makeRenewer({ client, workerId: "w-3", backoff: fast, onRetry: (e) => retried.push(e.message) })
        const out = yield* renewer.submit({ job_id: 9, lease_token: "t9" })
        yield* renewer.close
        return out
      })
    )
    expect(result).toEqual({ job_id: 9, ok: true })
    expect(requests).toHaveLength(3)
    expect(retried).toEqual(["down 1", "down 2"])
  })
})
