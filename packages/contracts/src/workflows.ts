import { Schema } from "effect"
import { JobStatus } from "./job.ts"
import { ConcurrencyKey, Count, Id, IntBetween, JobType, JsonValue, MaxAttempts, Priority, QueueName, Rfc3339, UtcTimestamp, opt } from "./fields.ts"
import { MAX_DELAY_MS } from "./enqueue.ts"

/** Jobs per `POST /workflows` or `POST /workflows/{id}/jobs` request. */
export const MAX_WORKFLOW_JOBS = 10_000

/** A job's key in its workflow: `[A-Za-z0-9_.:-]{1,200}`. */
export const WorkflowKey = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.:-]{1,200}$/u))

/** What happens to a blocked job when a dependency fails or is cancelled. */
export const OnDependencyFailure = Schema.Literals(["cancel", "run"])
export type OnDependencyFailure = typeof OnDependencyFailure.Type

/** One job of a workflow request; items are validated one by one so an error names its index. */
export const WorkflowJobInput = Schema.Struct({
  key: WorkflowKey,
  type: JobType,
  depends_on: opt(Schema.Array(WorkflowKey)),
  queue: opt(QueueName),
  payload: opt(JsonValue),
  priority: opt(Priority),
  max_attempts: opt(MaxAttempts),
  run_at: opt(Rfc3339),
  delay_ms: opt(IntBetween(0, MAX_DELAY_MS)),
  concurrency_key: opt(ConcurrencyKey),
  on_dependency_failure: opt(OnDependencyFailure)
})
export type WorkflowJobInput = typeof WorkflowJobInput.Type

/** `POST /workflows` body (items checked one by one). */
export const CreateWorkflowRequest = Schema.Struct({
  name: opt(Schema.String.check(Schema.isBetweenLength(1, 200))),
  jobs: Schema.Array(Schema.Unknown),
  idempotency_key: opt(Schema.String.check(Schema.isBetweenLength(1, 512)))
})
export type CreateWorkflowRequest = typeof CreateWorkflowRequest.Type

/** `POST /workflows/{id}/jobs` body: with worker_id, lease_token and job_id the add runs under that lease. */
export const AddWorkflowJobsRequest = Schema.Struct({
  jobs: Schema.Array(Schema.Unknown),
  worker_id: opt(Schema.String.check(Schema.isBetweenLength(1, 200))),
  lease_token: opt(Schema.String.check(Schema.isBetweenLength(1, 200))),
  job_id: opt(Id)
})
export type AddWorkflowJobsRequest = typeof AddWorkflowJobsRequest.Type

/** The documented shapes of the two bodies above: 1..10,000 typed items (the handler checks them one by one). */
const WorkflowJobs = Schema.Array(WorkflowJobInput).check(Schema.isBetweenLength(1, MAX_WORKFLOW_JOBS))
export const CreateWorkflowShape = Schema.Struct({ ...CreateWorkflowRequest.fields, jobs: WorkflowJobs })
export const AddWorkflowJobsShape = Schema.Struct({ ...AddWorkflowJobsRequest.fields, jobs: WorkflowJobs })

/** A workflow's status: running while any job is not terminal, then how it ended. */
export const WorkflowStatus = Schema.Literals(["running", "completed", "failed", "cancelled"])
export type WorkflowStatus = typeof WorkflowStatus.Type

/** Counts of a workflow's jobs by status. */
export const WorkflowCounts = Schema.Struct({
  blocked: Count,
  pending: Count,
  processing: Count,
  retrying: Count,
  completed: Count,
  failed: Count,
  cancelled: Count
})
export type WorkflowCounts = typeof WorkflowCounts.Type

/** One node of a workflow's graph. */
export const WorkflowNode = Schema.Struct({
  job_id: Id,
  key: WorkflowKey,
  type: JobType,
  queue: QueueName,
  status: JobStatus,
  depends_on: Schema.Array(Schema.String)
})
export type WorkflowNode = typeof WorkflowNode.Type

/** A workflow as `GET /workflows` lists it (no jobs). */
export const WorkflowSummary = Schema.Struct({
  id: Id,
  name: Schema.NullOr(Schema.String),
  status: WorkflowStatus,
  created_at: UtcTimestamp,
  updated_at: UtcTimestamp,
  finished_at: Schema.NullOr(UtcTimestamp),
  counts: WorkflowCounts
})
export type WorkflowSummary = typeof WorkflowSummary.Type

/** A workflow with its graph. */
export const Workflow = Schema.Struct({ ...WorkflowSummary.fields, jobs: Schema.Array(WorkflowNode) })
export type Workflow = typeof Workflow.Type

/** `POST /workflows` answer (201; 200 with duplicate for an existing idempotency key); get, cancel and retry answer `{workflow}`. */
export const WorkflowResponse = Schema.Struct({ workflow: Workflow, duplicate: Schema.optionalKey(Schema.Boolean) })
export type WorkflowResponse = typeof WorkflowResponse.Type

/** `GET /workflows` query. */
export const ListWorkflowsQuery = Schema.Struct({
  status: Schema.optional(WorkflowStatus),
  limit: Schema.optional(Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 500 }))),
  cursor: Schema.optional(Schema.String.check(Schema.isBetweenLength(1, 100)))
})
export type ListWorkflowsQuery = typeof ListWorkflowsQuery.Type
export const ListWorkflowsResponse = Schema.Struct({ workflows: Schema.Array(WorkflowSummary), next_cursor: Schema.NullOr(Schema.String) })
export type ListWorkflowsResponse = typeof ListWorkflowsResponse.Type

/** One added job: its id, key and whether the key existed already. */
export const AddedWorkflowJob = Schema.Struct({ job_id: Id, key: WorkflowKey, duplicate: Schema.Boolean })
export type AddedWorkflowJob = typeof AddedWorkflowJob.Type
export const AddWorkflowJobsResponse = Schema.Struct({ jobs: Schema.Array(AddedWorkflowJob) })
export type AddWorkflowJobsResponse = typeof AddWorkflowJobsResponse.Type
