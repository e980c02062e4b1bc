import type { JobStatus } from "./types.ts"

/*
 * Shapes of routes the SPEC defines that this master may not serve yet (they land in other changes).
 * They are called through `callUntyped`; when a route lands, its type comes from the generated schema.
 */

/** `GET /stats/throughput` (SPEC: Throughput). */
export interface Throughput {
  readonly minutes: ReadonlyArray<{ readonly at: string; readonly completed: number; readonly failed: number }>
}

/** Counts by status, as queues and workflows report them. */
export type StatusCounts = Readonly<Record<JobStatus | "blocked", number>>

/** One item of `GET /queues` (SPEC: Queues and flow control). */
export interface QueueInfo {
  readonly name: string
  readonly paused: boolean
  readonly max_concurrency: number | null
  readonly rate_limit: { readonly limit: number; readonly period_ms: number } | null
  readonly key_concurrency: number | null
  readonly counts: StatusCounts
}

/** A workflow as `GET /workflows` lists it (SPEC: Workflows). */
export interface WorkflowSummary {
  readonly id: number
  readonly name: string | null
  readonly status: "running" | "completed" | "failed" | "cancelled"
  readonly created_at: string
  readonly updated_at: string
  readonly finished_at: string | null
  readonly counts: StatusCounts
}

/** One job of a workflow's graph. */
export interface WorkflowNode {
  readonly job_id: number
  readonly key: string
  readonly type: string
  readonly queue: string
  readonly status: JobStatus | "blocked"
  readonly depends_on: ReadonlyArray<string>
}

/** `GET /workflows/{id}`'s workflow. */
export interface Workflow extends WorkflowSummary {
  readonly jobs: ReadonlyArray<WorkflowNode>
}
