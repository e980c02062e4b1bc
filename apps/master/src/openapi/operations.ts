import { Schema } from "effect"
import {
  AckRequest,
  BulkCountResponse,
  BulkIdsResponse,
  BulkRequest,
  AckResponse,
  CompleteRequest,
  CreateScanRequest,
  CreateScheduleRequest,
  EnqueueBatchRequest,
  EnqueueBatchResponse,
  EnqueueRequest,
  EnqueueResponse,
  FailRequest,
  JobResponse,
  LeaseRequest,
  LeaseResponse,
  ListJobsQuery,
  ListLeasesQuery,
  ListScansResponse,
  ListSchedulesResponse,
  ListJobsResponse,
  ListLeasesResponse,
  ListWorkersResponse,
  RecoverResponse,
  ReleaseRequest,
  RenewManyRequest,
  RenewManyResponse,
  RenewRequest,
  RenewResponse,
  ScanResponse,
  ScheduleResponse,
  SchedulePreviewResponse,
  StatsResponse,
  ThroughputQuery,
  ThroughputResponse,
  UpdateScheduleRequest,
  WhoAmIResponse,
  AddWorkflowJobsRequest,
  AddWorkflowJobsResponse,
  CreateWorkflowRequest,
  ListWorkflowsQuery,
  ListWorkflowsResponse,
  WorkflowResponse
} from "@leasehold/contracts"
import type { Role } from "../middleware/auth/auth.ts"

/** One documented operation of the HTTP API. */
export interface Operation {
  readonly method: "get" | "post" | "patch" | "delete"
  readonly path: string
  readonly summary: string
  readonly tag: "Producers" | "Workers" | "Operators" | "Scans" | "Schedules" | "Workflows" | "Service"
  readonly body?: Schema.Top
  readonly query?: Schema.Top
  readonly ok: { readonly status: number; readonly schema?: Schema.Top; readonly text?: string }
  readonly extra?: ReadonlyArray<readonly [number, Schema.Top]>
  readonly errors: ReadonlyArray<number>
  /** Roles allowed besides admin; undefined for the token-free service endpoints. */
  readonly roles?: ReadonlyArray<Role>
}

const Status = Schema.Struct({ status: Schema.String })
const BulkResponse = Schema.Union([BulkIdsResponse, BulkCountResponse])
const W: ReadonlyArray<Role> = ["worker"]
const P: ReadonlyArray<Role> = ["producer"]
const PW: ReadonlyArray<Role> = ["producer", "worker"]
const A: ReadonlyArray<Role> = []
const lease = [400, 401, 403, 404, 409, 503]

/** Every route the master serves, with its contract schemas (the OpenAPI document is generated from this). */
export const OPERATIONS: ReadonlyArray<Operation> = [
  { method: "post", path: "/jobs", summary: "Enqueue a job", tag: "Producers", body: EnqueueRequest, ok: { status: 201, schema: EnqueueResponse }, extra: [[200, EnqueueResponse]], errors: [400, 401, 403, 413, 503], roles: P },
  { method: "post", path: "/jobs/batch", summary: "Enqueue up to 10,000 jobs, all or nothing", tag: "Producers", body: EnqueueBatchRequest, ok: { status: 201, schema: EnqueueBatchResponse }, errors: [400, 401, 403, 413, 503], roles: P },
  { method: "get", path: "/jobs", summary: "List jobs by id ascending", tag: "Operators", query: ListJobsQuery, ok: { status: 200, schema: ListJobsResponse }, errors: [400, 401, 403, 503], roles: P },
  { method: "get", path: "/jobs/{id}", summary: "Read one job", tag: "Operators", ok: { status: 200, schema: JobResponse }, errors: [400, 401, 403, 404, 503], roles: PW },
  { method: "post", path: "/jobs/{id}/retry", summary: "Retry a failed, cancelled or retrying job now", tag: "Operators", ok: { status: 200, schema: JobResponse }, errors: [400, 401, 403, 404, 409, 503], roles: A },
  { method: "post", path: "/jobs/{id}/cancel", summary: "Cancel a pending, retrying or processing job", tag: "Operators", ok: { status: 200, schema: JobResponse }, errors: [400, 401, 403, 404, 409, 503], roles: A },
  { method: "post", path: "/jobs/bulk/retry", summary: "Retry many jobs: by ids (per-id results) or by filter (a count; dry_run counts only)", tag: "Operators", body: BulkRequest, ok: { status: 200, schema: BulkResponse }, errors: [400, 401, 403, 503], roles: A },
  { method: "post", path: "/jobs/bulk/cancel", summary: "Cancel many jobs: by ids (per-id results) or by filter (a count; dry_run counts only)", tag: "Operators", body: BulkRequest, ok: { status: 200, schema: BulkResponse }, errors: [400, 401, 403, 503], roles: A },
  { method: "post", path: "/jobs/lease", summary: "Lease jobs, optionally long-polling up to wait_ms", tag: "Workers", body: LeaseRequest, ok: { status: 200, schema: LeaseResponse }, errors: [400, 401, 403, 503], roles: W },
  { method: "post", path: "/jobs/{id}/renew", summary: "Extend a live lease", tag: "Workers", body: RenewRequest, ok: { status: 200, schema: RenewResponse }, errors: lease, roles: W },
  { method: "post", path: "/jobs/{id}/complete", summary: "Complete a leased job (idempotent per token)", tag: "Workers", body: CompleteRequest, ok: { status: 200, schema: JobResponse }, errors: lease, roles: W },
  { method: "post", path: "/jobs/{id}/fail", summary: "Fail an attempt (retry with backoff or dead-letter)", tag: "Workers", body: FailRequest, ok: { status: 200, schema: JobResponse }, errors: lease, roles: W },
  { method: "post", path: "/jobs/{id}/release", summary: "Give a leased job back (attempt not counted)", tag: "Workers", body: ReleaseRequest, ok: { status: 200, schema: JobResponse }, errors: lease, roles: W },
  { method: "post", path: "/leases/ack", summary: "Batched outcomes in one transaction", tag: "Workers", body: AckRequest, ok: { status: 200, schema: AckResponse }, errors: [400, 401, 403, 503], roles: W },
  { method: "post", path: "/leases/renew", summary: "Batched renew", tag: "Workers", body: RenewManyRequest, ok: { status: 200, schema: RenewManyResponse }, errors: [400, 401, 403, 503], roles: W },
  { method: "get", path: "/leases", summary: "List active or expired leases", tag: "Operators", query: ListLeasesQuery, ok: { status: 200, schema: ListLeasesResponse }, errors: [400, 401, 403, 503], roles: P },
  { method: "post", path: "/leases/recover", summary: "Recover expired leases now (what the sweeper does)", tag: "Operators", ok: { status: 200, schema: RecoverResponse }, errors: [401, 403, 503], roles: A },
  { method: "get", path: "/stats", summary: "Per-queue counts, oldest pending age, expired leases, active workers", tag: "Operators", ok: { status: 200, schema: StatsResponse }, errors: [401, 403, 503], roles: P },
  { method: "get", path: "/whoami", summary: "The caller's role (admin on an open master); every role may ask", tag: "Operators", ok: { status: 200, schema: WhoAmIResponse }, errors: [401, 503], roles: PW },
  { method: "get", path: "/stats/throughput", summary: "Completed and failed jobs per minute, oldest first, current minute last", tag: "Operators", query: ThroughputQuery, ok: { status: 200, schema: ThroughputResponse }, errors: [400, 401, 403, 503], roles: P },
  { method: "get", path: "/workers", summary: "Workers seen in the last 10 minutes", tag: "Operators", ok: { status: 200, schema: ListWorkersResponse }, errors: [401, 403, 503], roles: P },
  { method: "post", path: "/scans", summary: "Create a scan over [start, end)", tag: "Scans", body: CreateScanRequest, ok: { status: 201, schema: ScanResponse }, errors: [400, 401, 403, 409, 503], roles: A },
  { method: "get", path: "/scans", summary: "List scans", tag: "Scans", ok: { status: 200, schema: ListScansResponse }, errors: [401, 403, 503], roles: P },
  { method: "get", path: "/scans/{name}", summary: "Read a scan and its progress", tag: "Scans", ok: { status: 200, schema: ScanResponse }, errors: [400, 401, 403, 404, 503], roles: P },
  { method: "post", path: "/scans/{name}/pause", summary: "Stop carving batches", tag: "Scans", ok: { status: 200, schema: ScanResponse }, errors: [400, 401, 403, 404, 503], roles: A },
  { method: "post", path: "/scans/{name}/resume", summary: "Resume carving batches", tag: "Scans", ok: { status: 200, schema: ScanResponse }, errors: [400, 401, 403, 404, 503], roles: A },
  { method: "post", path: "/schedules", summary: "Create a cron schedule", tag: "Schedules", body: CreateScheduleRequest, ok: { status: 201, schema: ScheduleResponse }, errors: [400, 401, 403, 409, 503], roles: A },
  { method: "get", path: "/schedules", summary: "List schedules", tag: "Schedules", ok: { status: 200, schema: ListSchedulesResponse }, errors: [401, 403, 503], roles: P },
  { method: "get", path: "/schedules/{name}", summary: "Read a schedule", tag: "Schedules", ok: { status: 200, schema: ScheduleResponse }, errors: [400, 401, 403, 404, 503], roles: P },
  { method: "patch", path: "/schedules/{name}", summary: "Update a schedule", tag: "Schedules", body: UpdateScheduleRequest, ok: { status: 200, schema: ScheduleResponse }, errors: [400, 401, 403, 404, 503], roles: A },
  { method: "delete", path: "/schedules/{name}", summary: "Delete a schedule", tag: "Schedules", ok: { status: 204 }, errors: [400, 401, 403, 404, 503], roles: A },
  { method: "post", path: "/schedules/{name}/pause", summary: "Pause a schedule (enabled false, next_run_at null)", tag: "Schedules", ok: { status: 200, schema: ScheduleResponse }, errors: [400, 401, 403, 404, 503], roles: A },
  { method: "post", path: "/schedules/{name}/resume", summary: "Resume a schedule", tag: "Schedules", ok: { status: 200, schema: ScheduleResponse }, errors: [400, 401, 403, 404, 503], roles: A },
  { method: "get", path: "/schedules/{name}/preview", summary: "The next fire times of a schedule", tag: "Schedules", query: Schema.Struct({ count: Schema.optional(Schema.String) }), ok: { status: 200, schema: SchedulePreviewResponse }, errors: [400, 401, 403, 404, 503], roles: P },
  { method: "post", path: "/workflows", summary: "Create a workflow (a DAG of jobs), all or nothing", tag: "Workflows", body: CreateWorkflowRequest, ok: { status: 201, schema: WorkflowResponse }, extra: [[200, WorkflowResponse]], errors: [400, 401, 403, 413, 503], roles: P },
  { method: "get", path: "/workflows", summary: "List workflows by id ascending", tag: "Workflows", query: ListWorkflowsQuery, ok: { status: 200, schema: ListWorkflowsResponse }, errors: [400, 401, 403, 503], roles: P },
  { method: "get", path: "/workflows/{id}", summary: "Read a workflow with its graph", tag: "Workflows", ok: { status: 200, schema: WorkflowResponse }, errors: [400, 401, 403, 404, 503], roles: PW },
  { method: "post", path: "/workflows/{id}/jobs", summary: "Add jobs to a running workflow (under a live lease, idempotent by key)", tag: "Workflows", body: AddWorkflowJobsRequest, ok: { status: 201, schema: AddWorkflowJobsResponse }, errors: [400, 401, 403, 404, 409, 413, 503], roles: PW },
  { method: "post", path: "/workflows/{id}/cancel", summary: "Cancel every unfinished job of a workflow", tag: "Workflows", ok: { status: 200, schema: WorkflowResponse }, errors: [400, 401, 403, 404, 409, 503], roles: A },
  { method: "post", path: "/workflows/{id}/retry", summary: "Bring back the failed and cancelled jobs of a workflow", tag: "Workflows", ok: { status: 200, schema: WorkflowResponse }, errors: [400, 401, 403, 404, 503], roles: A },
  { method: "get", path: "/healthz", summary: "The process is up", tag: "Service", ok: { status: 200, schema: Status }, errors: [] },
  { method: "get", path: "/readyz", summary: "The database is reachable", tag: "Service", ok: { status: 200, schema: Status }, errors: [503] },
  { method: "get", path: "/metrics", summary: "Prometheus metrics", tag: "Service", ok: { status: 200, text: "text/plain; version=0.0.4" }, errors: [] },
  { method: "get", path: "/openapi.json", summary: "This document", tag: "Service", ok: { status: 200, text: "application/json" }, errors: [] }
]
