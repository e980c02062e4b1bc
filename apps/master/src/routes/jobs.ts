import { Hono } from "hono"
import {
  EnqueueBatchRequest,
  EnqueueRequest,
  ListJobsQuery,
  MAX_BATCH_JOBS,
  MAX_PAYLOAD_BYTES,
  type Job
} from "@leasehold/contracts"
import type { EnqueueRequest as EnqueueBody } from "@leasehold/contracts"
import type { NewJob } from "@leasehold/core"
import { HttpError, badRequest } from "../http/HttpError.ts"
import { readBodyText } from "../http/readBodyText.ts"
import { fastEnqueueItem } from "../http/fastAccept.ts"
import { runStore } from "../http/runStore.ts"
import { checker, decoder, intParam, orUndef, parseJson as parse, readQuery } from "../http/validate.ts"
import type { MasterDeps } from "../MasterDeps.ts"

const checkEnqueue = checker(EnqueueRequest)
const decodeBatch = decoder(EnqueueBatchRequest)
const decodeList = decoder(ListJobsQuery)

/** A payload can only exceed the limit when the body holding it is at least a third that size in UTF-16 units. */
const mayBeOversized = (bodyChars: number) => bodyChars * 3 > MAX_PAYLOAD_BYTES

const payloadBytes = (payload: unknown) => (payload === undefined || payload === null ? 4 : Buffer.byteLength(JSON.stringify(payload)))

/**
 * The shape EnqueueBatchRequest accepts (an object whose `jobs` is an array), checked without walking the
 * items through the schema (each item is validated below); anything else goes to the decoder for its message.
 */
const isBatchShape = (v: unknown): v is { jobs: ReadonlyArray<unknown> } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Array.isArray((v as { jobs?: unknown }).jobs)

/** Validates one enqueue item into a NewJob; `index` names a batch item in the error. */
const toNewJob = (input: unknown, checkSize: boolean, index?: number): NewJob => {
  const where = index === undefined ? {} : { index }
  const r = fastEnqueueItem(input) ? { ok: true as const, value: input as EnqueueBody } : checkEnqueue(input)
  if (!r.ok) throw badRequest(index === undefined ? `invalid body: ${r.message}` : `invalid job at index ${index}: ${r.message}`, index === undefined ? undefined : where)
  const j = r.value
  if (j.run_at != null && j.delay_ms != null)
    throw badRequest(`run_at and delay_ms are mutually exclusive${index === undefined ? "" : ` (index ${index})`}`, index === undefined ? undefined : where)
  if (checkSize && payloadBytes(j.payload) > MAX_PAYLOAD_BYTES)
    throw new HttpError("payload_too_large", `payload exceeds ${MAX_PAYLOAD_BYTES} bytes${index === undefined ? "" : ` (index ${index})`}`, index === undefined ? undefined : where)
  return {
    type: j.type,
    queue: orUndef(j.queue),
    payload: j.payload ?? null,
    priority: orUndef(j.priority),
    runAt: j.run_at == null ? undefined : new Date(j.run_at),
    delayMs: orUndef(j.delay_ms),
    maxAttempts: orUndef(j.max_attempts),
    idempotencyKey: orUndef(j.idempotency_key),
    concurrencyKey: orUndef(j.concurrency_key)
  }
}

/** Producer and operator routes on jobs: enqueue, batch enqueue, list, get, retry, cancel. */
export const jobsRoutes = (deps: MasterDeps) => {
  const { store, metrics } = deps
  const app = new Hono()

  app.post("/", async (c) => {
    const text = await readBodyText(c)
    const body = parse(text)
    const job = toNewJob(body, mayBeOversized(text.length))
    const out = await runStore(store.jobEnqueue({ job }))
    if (!out.duplicate) metrics.enqueued.inc({ queue: out.job.queue })
    return out.duplicate ? c.json({ job: out.job, duplicate: true }, 200) : c.json({ job: out.job }, 201)
  })

  app.post("/batch", async (c) => {
    const text = await readBodyText(c)
    const body = parse(text)
    const { jobs } = isBatchShape(body) ? body : decodeBatch(body)
    if (jobs.length === 0) throw badRequest("jobs must not be empty")
    if (jobs.length > MAX_BATCH_JOBS) throw badRequest(`at most ${MAX_BATCH_JOBS} jobs per batch`)
    const checkSize = mayBeOversized(text.length)
    const items = jobs.map((j, i) => toNewJob(j, checkSize, i))
    const out = await runStore(store.jobEnqueueMany({ jobs: items }))
    const counts = new Map<string, number>()
    const answer = new Array<Job & { duplicate?: boolean }>(out.length)
    for (let i = 0; i < out.length; i++) {
      const o = out[i]!
      if (o.duplicate) answer[i] = { ...o.job, duplicate: true }
      else {
        answer[i] = o.job
        counts.set(o.job.queue, (counts.get(o.job.queue) ?? 0) + 1)
      }
    }
    for (const [queue, n] of counts) metrics.enqueued.inc({ queue }, n)
    return c.json({ jobs: answer }, 201)
  })

  app.get("/", async (c) => {
    const q = readQuery(c, decodeList)
    const page = await runStore(
      store.jobList({
        queue: q.queue,
        status: q.status,
        type: q.type,
        workerId: q.worker_id,
        workflowId: q.workflow_id,
        limit: q.limit ?? 50,
        cursor: q.cursor
      })
    )
    return c.json({ jobs: page.jobs, next_cursor: page.next_cursor })
  })

  app.get("/:id", async (c) => c.json({ job: await runStore(store.jobGet({ id: intParam(c, "id") })) }))
  app.post("/:id/retry", async (c) => c.json({ job: await runStore(store.jobRetry({ id: intParam(c, "id") })) }))
  app.post("/:id/cancel", async (c) => c.json({ job: await runStore(store.jobCancel({ id: intParam(c, "id") })) }))
  return app
}
