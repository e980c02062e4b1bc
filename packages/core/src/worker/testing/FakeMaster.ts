import type { AckItem, AckResult, Job, LeasedJob, LeaseRequest, LeaseResponse, RenewManyResult } from "@leasehold/contracts"
import { Effect } from "effect"
import type { MasterClientShape } from "../MasterClient.ts"
import { MasterError } from "../MasterError.ts"

interface FakeJob {
  id: number
  type: string
  queue: string
  payload: unknown
  status: Job["status"]
  attempts: number
  maxAttempts: number
  token: string | null
  expiresAt: number
  errors: Array<{ attempt: number; message: string; at: string }>
  result: unknown
}

/**
 * An in-process stand-in for the master, speaking the `MasterClient` port with the SPEC's
 * lease semantics (tokens, lease_lost, release). For unit tests of the pool only; the
 * end-to-end tests run the real master.
 */
export class FakeMaster {
  readonly jobs = new Map<number, FakeJob>()
  readonly calls = { lease: [] as Array<{ max_jobs: number; types: ReadonlyArray<string> }>, renew: 0, ack: [] as Array<number>, leaseAcks: [] as Array<number>, release: 0 }
  /** Lease calls whose caller gave up (interrupted) before the answer, e.g. a long-poll cut short by `stop()`. */
  leasesInterrupted = 0
  down = false
  /** Every release is refused (Unavailable), the rest answers: a master too busy to take jobs back. */
  refuseReleases = false
  /** Added to every lease call before it is answered: a round trip the pool can measure. */
  leaseLatencyMs = 0
  /** Calls refused (Unavailable) while `down`, by kind: shows the pool kept retrying through an outage. */
  readonly refused = { lease: 0, renew: 0, ack: 0, release: 0 }
  private nextId = 1
  private nextToken = 1

  enqueue(type: string, payload: unknown = null, maxAttempts = 3): number {
    const id = this.nextId++
    this.jobs.set(id, { id, type, queue: "default", payload, status: "pending", attempts: 0, maxAttempts, token: null, expiresAt: 0, errors: [], result: null })
    return id
  }

  cancel(id: number): void {
    const job = this.jobs.get(id)
    if (job) Object.assign(job, { status: "cancelled", token: null })
  }

  count(status: Job["status"]): number {
    return [...this.jobs.values()].filter((j) => j.status === status).length
  }

  private fail<A>(kind: keyof FakeMaster["refused"]): Effect.Effect<A, MasterError> | null {
    if (!this.down) return null
    this.refused[kind]++
    return Effect.fail(new MasterError({ reason: "Unavailable", message: "master down" }))
  }

  private leasable(types: ReadonlyArray<string> | undefined, now: number): Array<FakeJob> {
    return [...this.jobs.values()].filter(
      (j) =>
        (!types || types.includes(j.type)) &&
        (j.status === "pending" || j.status === "retrying" || (j.status === "processing" && j.expiresAt < now && j.attempts < j.maxAttempts))
    )
  }

  private leased(job: FakeJob, now: number, durationMs: number): LeasedJob {
    const iso = (ms: number) => new Date(ms).toISOString()
    return {
      id: job.id, queue: job.queue, type: job.type, payload: job.payload, status: "processing", priority: 0,
      run_at: iso(now), attempts: job.attempts, max_attempts: job.maxAttempts, worker_id: "w",
      lease_expires_at: iso(job.expiresAt), last_error: null, errors: job.errors, result: null,
      idempotency_key: null, scan: null, created_at: iso(now), updated_at: iso(now), completed_at: null,
      workflow_id: null, key: null, depends_on: [], lease_token: job.token as string, renew_after: iso(now + durationMs / 2)
    }
  }

  private holds(jobId: number, token: string): FakeJob | null {
    const job = this.jobs.get(jobId)
    return job && job.status === "processing" && job.token === token ? job : null
  }

  /** Applies outcomes as the master does (on `/leases/ack` and on a lease's `acks`). */
  private applyAcks(items: ReadonlyArray<AckItem>): Array<AckResult> {
    return items.map((item) => {
      const job = this.holds(item.job_id, item.lease_token)
      if (!job) return { job_id: item.job_id, ok: false, error: { code: "lease_lost", message: "lease lost" } }
      job.token = null
      if (item.outcome === "completed") Object.assign(job, { status: "completed", result: item.result ?? null })
      else {
        job.errors.push({ attempt: job.attempts, message: item.error?.message ?? "", at: new Date().toISOString() })
        job.status = item.retryable === false || job.attempts >= job.maxAttempts ? "failed" : "retrying"
      }
      return { job_id: item.job_id, ok: true }
    })
  }

  private leaseWait(req: LeaseRequest): Effect.Effect<LeaseResponse, MasterError> {
    const self = this
    return Effect.gen(function* () {
      self.calls.lease.push({ max_jobs: req.max_jobs ?? 1, types: req.types ?? [] })
      if (self.leaseLatencyMs > 0) yield* Effect.sleep(self.leaseLatencyMs)
      const acks = req.acks ? self.applyAcks(req.acks) : undefined
      if (req.acks) self.calls.leaseAcks.push(req.acks.length)
      const deadline = Date.now() + (req.wait_ms ?? 0)
      while (true) {
        if (self.down) return yield* Effect.fail(new MasterError({ reason: "Unavailable", message: "master down" }))
        const now = Date.now()
        const found = self.leasable(req.types ?? undefined, now).slice(0, req.max_jobs ?? 1)
        if (found.length > 0 || now >= deadline) {
          const durationMs = (req.lease_seconds ?? 3600) * 1000
          const jobs = found.map((job) => {
            Object.assign(job, { status: "processing", attempts: job.attempts + 1, token: `t${self.nextToken++}`, expiresAt: now + durationMs })
            return self.leased(job, now, durationMs)
          })
          return acks ? { jobs, server_now: new Date(now).toISOString(), acks } : { jobs, server_now: new Date(now).toISOString() }
        }
        yield* Effect.sleep(2)
      }
    })
  }

  readonly client: MasterClientShape = {
    lease: (req) =>
      Effect.suspend((): Effect.Effect<LeaseResponse, MasterError> => this.fail("lease") ?? this.leaseWait(req)).pipe(
        Effect.onInterrupt(() => Effect.sync(() => void this.leasesInterrupted++))
      ),
    renew: (req) =>
      Effect.suspend(() => this.fail("renew") ?? Effect.sync(() => {
        this.calls.renew++
        const now = Date.now()
        const results: Array<RenewManyResult> = req.items.map((item) => {
          const job = this.holds(item.job_id, item.lease_token)
          if (!job) return { job_id: item.job_id, ok: false, error: { code: "lease_lost", message: "lease lost" } }
          job.expiresAt = now + (req.lease_seconds ?? 3600) * 1000
          return { job_id: item.job_id, ok: true, lease_expires_at: new Date(job.expiresAt).toISOString() }
        })
        return { results }
      })),
    ack: (req) =>
      Effect.suspend(() => this.fail("ack") ?? Effect.sync(() => {
        this.calls.ack.push(req.items.length)
        return { results: this.applyAcks(req.items) }
      })),
    release: (jobId, req) =>
      Effect.suspend(() => this.fail("release") ?? Effect.suspend(() => {
        this.calls.release++
        if (this.refuseReleases) return Effect.fail(new MasterError({ reason: "Unavailable", message: "release refused" }))
        const job = this.holds(jobId, req.lease_token)
        if (!job) return Effect.fail(new MasterError({ reason: "LeaseLost", message: "lease lost", status: 409 }))
        Object.assign(job, { status: "pending", token: null, attempts: job.attempts - 1 })
        return Effect.succeed({ job: {} as Job })
      }))
  }
}
