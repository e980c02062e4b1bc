import { Hono } from "hono"
import {
  AckRequest,
  CompleteRequest,
  FailRequest,
  LeaseRequest,
  ListLeasesQuery,
  ReleaseRequest,
  RenewManyRequest,
  RenewRequest,
  type AckRequest as AckBody,
  type AckResult,
  type LeaseRequest as LeaseBody,
  type LeasedJob
} from "@leasehold/contracts"
import { isJobRepeat } from "@leasehold/core"
import { badRequest } from "../http/HttpError.ts"
import { clientLiveness } from "../http/clientLiveness.ts"
import { runStore } from "../http/runStore.ts"
import { fastAckRequest, fastLeaseRequest } from "../http/fastAccept.ts"
import { decoder, intParam, orUndef, readBody, readJson, readQuery } from "../http/validate.ts"
import { leaseWithWait } from "../longPoll/leaseWithWait.ts"
import { countAcked, toAckItems } from "./ackItems.ts"
import type { MasterDeps } from "../MasterDeps.ts"

const decodeLease = decoder(LeaseRequest)
const decodeRenew = decoder(RenewRequest)
const decodeComplete = decoder(CompleteRequest)
const decodeFail = decoder(FailRequest)
const decodeRelease = decoder(ReleaseRequest)
const decodeAck = decoder(AckRequest)
const decodeRenewMany = decoder(RenewManyRequest)
const decodeListLeases = decoder(ListLeasesQuery)
const DEFAULT_QUEUES = ["default"] as const

/** Worker routes under /jobs: lease (with long-poll), renew, complete, fail, release. */
export const workerJobRoutes = (deps: MasterDeps) => {
  const { store, config, metrics, workers, log } = deps
  const app = new Hono()
  const leaseSeconds = (s: number | null | undefined): number | undefined => {
    if (s == null) return undefined
    if (s < config.minLeaseSeconds || s > config.maxLeaseSeconds)
      throw badRequest(`lease_seconds must be within ${config.minLeaseSeconds}..${config.maxLeaseSeconds}`)
    return s
  }

  app.post("/lease", async (c) => {
    const client = clientLiveness(c)
    const started = performance.now()
    const raw = await readJson(c)
    const b = fastLeaseRequest(raw) ? (raw as LeaseBody) : decodeLease(raw)
    if (b.requested_batch_size != null && b.requested_batch_size > config.maxBatchSize)
      throw badRequest(`requested_batch_size must be within 1..${config.maxBatchSize} (the server's max batch size)`)
    const params = {
      workerId: b.worker_id,
      queues: b.queues ?? DEFAULT_QUEUES,
      types: orUndef(b.types),
      maxJobs: b.max_jobs ?? 1,
      leaseSeconds: leaseSeconds(b.lease_seconds) ?? config.leaseSeconds,
      requestedBatchSize: orUndef(b.requested_batch_size),
      serverMaxBatchSize: config.maxBatchSize
    }
    const acks = b.acks == null ? null : toAckItems(b.acks, "acks")
    workers.touch(b.worker_id)
    const waitMs = b.wait_ms ?? 0
    // With acks, the first attempt applies them before leasing, in one transaction; a long-poll then
    // waits with the acks already committed, and their results come with whatever answer ends the wait.
    let ackResults: ReadonlyArray<AckResult> | undefined
    const first =
      acks === null
        ? undefined
        : async () => {
            const out = await runStore(store.jobLeaseAcquireAfterAcks({ ...params, acks }))
            ackResults = out.acks
            countAcked(metrics, out.acks, acks)
            return out.jobs
          }
    const jobs = await leaseWithWait(deps, params, waitMs, waitMs > 0 ? client.signal() : undefined, first)
    if (deps.seams?.afterLease) await deps.seams.afterLease(jobs, client)
    if (jobs.length > 0 && client.gone()) {
      await releaseAll(deps, b.worker_id, jobs)
      return c.body(null, 499 as never)
    }
    metrics.leaseLatency.observe({ outcome: jobs.length > 0 ? "leased" : "empty" }, (performance.now() - started) / 1000)
    if (jobs.length > 0) countLeased(deps, jobs)
    if (log.debugEnabled) log.debug("lease", { worker_id: b.worker_id, jobs: jobs.length, acks: acks?.length ?? 0 })
    return c.json(ackResults === undefined ? { jobs, server_now: new Date().toISOString() } : { jobs, server_now: new Date().toISOString(), acks: ackResults })
  })

  app.post("/:id/renew", async (c) => {
    const id = intParam(c, "id")
    const b = await readBody(c, decodeRenew)
    workers.touch(b.worker_id)
    const out = await runStore(
      store.jobRenewIfLeased({ id, workerId: b.worker_id, leaseToken: b.lease_token, leaseSeconds: leaseSeconds(b.lease_seconds) })
    )
    return c.json(out)
  })

  app.post("/:id/complete", async (c) => {
    const id = intParam(c, "id")
    const b = await readBody(c, decodeComplete)
    workers.touch(b.worker_id)
    const job = await runStore(store.jobCompleteIfLeased({ id, workerId: b.worker_id, leaseToken: b.lease_token, result: b.result ?? null }))
    if (!isJobRepeat(job)) metrics.completed.inc({ queue: job.queue })
    return c.json({ job })
  })

  app.post("/:id/fail", async (c) => {
    const id = intParam(c, "id")
    const b = await readBody(c, decodeFail)
    workers.touch(b.worker_id)
    const job = await runStore(
      store.jobFailIfLeased({
        id,
        workerId: b.worker_id,
        leaseToken: b.lease_token,
        error: { message: b.error.message, stack: orUndef(b.error.stack) },
        retryable: orUndef(b.retryable),
        retryInMs: orUndef(b.retry_in_ms)
      })
    )
    metrics.failed.inc({ queue: job.queue })
    return c.json({ job })
  })

  app.post("/:id/release", async (c) => {
    const id = intParam(c, "id")
    const b = await readBody(c, decodeRelease)
    workers.touch(b.worker_id)
    return c.json({ job: await runStore(store.jobReleaseIfLeased({ id, workerId: b.worker_id, leaseToken: b.lease_token })) })
  })
  return app
}

/** Batched lease routes and lease reads under /leases. */
export const leasesRoutes = (deps: MasterDeps) => {
  const { store, config, metrics, workers } = deps
  const app = new Hono()

  app.post("/ack", async (c) => {
    const raw = await readJson(c)
    const b = fastAckRequest(raw) ? (raw as AckBody) : decodeAck(raw)
    const items = toAckItems(b.items, "items")
    workers.touch(b.worker_id)
    const results = await runStore(store.leaseAckMany({ workerId: b.worker_id, items }))
    countAcked(metrics, results, items)
    return c.json({ results })
  })

  app.post("/renew", async (c) => {
    const b = await readBody(c, decodeRenewMany)
    const s = b.lease_seconds
    if (s != null && (s < config.minLeaseSeconds || s > config.maxLeaseSeconds))
      throw badRequest(`lease_seconds must be within ${config.minLeaseSeconds}..${config.maxLeaseSeconds}`)
    workers.touch(b.worker_id)
    const results = await runStore(
      store.leaseRenewMany({
        workerId: b.worker_id,
        items: b.items.map((it) => ({ jobId: it.job_id, leaseToken: it.lease_token })),
        leaseSeconds: orUndef(s)
      })
    )
    return c.json({ results })
  })

  app.get("/", async (c) => {
    const q = readQuery(c, decodeListLeases)
    const leases = await runStore(store.leaseList({ state: q.state ?? "active", queue: q.queue, limit: q.limit ?? 100 }))
    return c.json({ leases })
  })

  app.post("/recover", async (c) => {
    const out = await runStore(store.jobRescueExpired({}))
    if (out.retried > 0) metrics.expired.inc({ outcome: "retried" }, out.retried)
    if (out.failed > 0) metrics.expired.inc({ outcome: "failed" }, out.failed)
    return c.json(out)
  })
  return app
}

const countLeased = (deps: MasterDeps, jobs: ReadonlyArray<LeasedJob>) => {
  let queue = jobs[0]!.queue
  let n = 0
  for (const j of jobs) {
    deps.metrics.rememberQueue(j.id, j.queue)
    if (j.queue !== queue) {
      deps.metrics.leased.inc({ queue }, n)
      queue = j.queue
      n = 0
    }
    n++
  }
  deps.metrics.leased.inc({ queue }, n)
}

/** The client went away after its lease was taken: give the jobs back so nothing waits for an expiry. */
const releaseAll = async (deps: MasterDeps, workerId: string, jobs: ReadonlyArray<LeasedJob>) => {
  await Promise.all(
    jobs.map((j) =>
      runStore(deps.store.jobReleaseIfLeased({ id: j.id, workerId, leaseToken: j.lease_token })).catch((e: unknown) =>
        deps.log.warn("release after client disconnect failed", { job_id: j.id, error: String((e as Error)?.message ?? e) })
      )
    )
  )
  deps.log.debug("client disconnected during lease; released", { worker_id: workerId, jobs: jobs.length })
}
