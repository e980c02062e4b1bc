import { Effect } from "effect"
import { storeError, type JobStoreShape } from "@leasehold/core"
import { run } from "./run.ts"
import { iso, toJob } from "./rows.ts"
import { getJob, listLeases, nextLeasableAt } from "./queries/reads.ts"
import { listJobs } from "./queries/listJobs.ts"
import { listWorkers, touchWorker } from "./queries/workers.ts"
import type { StoreSettings } from "./makeJobOps.ts"

/** Opaque keyset cursor: base64url of "j:<last id>". */
export const encodeCursor = (id: number): string => Buffer.from(`j:${id}`).toString("base64url")
/** The last id of the previous page, or undefined for anything that is not a cursor we issued. */
export const decodeCursor = (cursor: string): number | undefined => {
  const m = /^j:(\d{1,16})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"))
  const id = m ? Number(m[1]) : Number.NaN
  return Number.isSafeInteger(id) && encodeCursor(id) === cursor ? id : undefined
}

/**
 * Job reads, lease listing, next-due lookup and the worker registry of the port. Operator reads go
 * through `readSql` (the read pool, with its statement timeout); what workers and long-polls need
 * (one job by id, the next due time, touching a worker) stays on the main pool.
 */
export const makeReadOps = ({ sql, readSql }: StoreSettings) =>
  ({
    jobGet: ({ id }) =>
      Effect.flatMap(run(() => getJob(sql, id)), (rows) =>
        rows[0] ? Effect.succeed(toJob(rows[0])) : Effect.fail(storeError("NotFound", `job ${id} not found`, { job_id: id }))
      ),
    jobList: (p) =>
      Effect.gen(function* () {
        const afterId = p.cursor === undefined ? 0 : decodeCursor(p.cursor)
        if (afterId === undefined) return yield* Effect.fail(storeError("Validation", "invalid cursor"))
        if (!Number.isInteger(p.limit) || p.limit < 1 || p.limit > 500) {
          return yield* Effect.fail(storeError("Validation", "limit must be in 1..500"))
        }
        const rows = yield* run(() =>
          listJobs(readSql, {
            queue: p.queue ?? null,
            status: p.status ?? null,
            type: p.type ?? null,
            workerId: p.workerId ?? null,
            workflowId: p.workflowId ?? null,
            afterId,
            limit: p.limit
          })
        )
        const page = rows.slice(0, p.limit).map(toJob)
        const last = page[page.length - 1]
        return { jobs: page, next_cursor: rows.length > p.limit && last ? encodeCursor(last.id) : null }
      }),
    leaseList: ({ state, queue, limit, now }) =>
      Effect.map(run(() => listLeases(readSql, { expired: state === "expired", queue: queue ?? null, limit, now: now ?? null })), (rows) =>
        rows.map((r) => ({
          job_id: Number(r.id),
          queue: r.queue,
          type: r.type,
          worker_id: r.worker_id,
          leased_at: iso(r.leased_at),
          lease_expires_at: iso(r.lease_expires_at)
        }))
      ),
    jobNextLeasableAt: ({ queues, types, now }) =>
      queues.length === 0
        ? Effect.succeed(null)
        : Effect.map(run(() => nextLeasableAt(sql, queues, types && types.length > 0 ? types : null, now ?? null)), (rows) => rows[0]?.at ?? null),
    workerTouch: ({ workerId, now }) => Effect.asVoid(run(() => touchWorker(sql, workerId, now ?? null))),
    workerList: ({ since, now }) =>
      Effect.map(run(() => listWorkers(readSql, since, now ?? null)), (rows) =>
        rows.map((r) => ({ worker_id: r.worker_id, last_seen_at: iso(r.last_seen_at), in_flight: r.in_flight }))
      )
  }) satisfies Partial<JobStoreShape>
