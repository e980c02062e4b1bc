import { Schema } from "effect"
import { Count, Id, JobType, QueueName, opt } from "./fields.ts"
import { JobStatus } from "./job.ts"
import { ItemError } from "./lease.ts"

/** Most ids one bulk request may name (SPEC: Bulk operations). */
export const MAX_BULK_IDS = 10_000

/** Which jobs a bulk operation on a filter touches; at least one field (checked by the master). */
export const BulkFilter = Schema.Struct({
  queue: opt(QueueName),
  status: opt(JobStatus),
  type: opt(JobType)
})
export type BulkFilter = typeof BulkFilter.Type

/**
 * `POST /jobs/bulk/retry` and `POST /jobs/bulk/cancel` body: exactly one of `ids` and `filter`.
 * `dry_run` (filter only) counts the jobs the operation would change and changes nothing.
 */
export const BulkRequest = Schema.Struct({
  ids: opt(Schema.Array(Id).check(Schema.isBetweenLength(1, MAX_BULK_IDS))),
  filter: opt(BulkFilter),
  dry_run: opt(Schema.Boolean)
})
export type BulkRequest = typeof BulkRequest.Type

/** One id's outcome: `ok`, or `not_found` / `invalid_transition`. */
export const BulkResult = Schema.Struct({ job_id: Id, ok: Schema.Boolean, error: Schema.optionalKey(ItemError) })
export type BulkResult = typeof BulkResult.Type

/** Answer to a bulk request by `ids`: one result per id, in request order. */
export const BulkIdsResponse = Schema.Struct({ results: Schema.Array(BulkResult) })
export type BulkIdsResponse = typeof BulkIdsResponse.Type

/** Answer to a bulk request by `filter`: how many jobs changed (or, with `dry_run`, would change). */
export const BulkCountResponse = Schema.Struct({ count: Count, dry_run: Schema.optionalKey(Schema.Boolean) })
export type BulkCountResponse = typeof BulkCountResponse.Type
