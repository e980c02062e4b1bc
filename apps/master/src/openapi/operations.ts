import { Schema } from "effect"
import {
  AckRequest,
  BulkCountResponse,
  BulkIdsResponse,
  BulkRequest,
  AckResponse,
  CompleteRequest,
  CreateScanRequest,
  ListQueuesResponse,
  PatchQueueRequest,
  QueueResponse,
  CreateScheduleRequest,
  EnqueueBatchResponse,
  EnqueueBatchShape,
  EnqueueDuplicateResponse,
  EnqueueRequest,
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
  ScanName,
  ScanResponse,
  ScheduleName,
  SchedulePreviewQuery,
  ScheduleResponse,
  SchedulePreviewResponse,
  StatsResponse,
  ThroughputQuery,
  ThroughputResponse,
  UpdateScheduleRequest,
  WhoAmIResponse,
  AddWorkflowJobsResponse,
  AddWorkflowJobsShape,
  CreateWorkflowShape,
  ListWorkflowsQuery,
  ListWorkflowsResponse,
  WorkflowResponse,
  type ErrorCode
} from "@leasehold/contracts"
import type { Role } from "../middleware/auth/auth.ts"

/** One documented operation of the HTTP API. */
export interface Operation {
  readonly method: "get" | "post" | "patch" | "delete"
  readonly path: string
  readonly summary: string
  readonly tag: "Producers" | "Workers" | "Operators" | "Scans" | "Queues" | "Schedules" | "Workflows" | "Service"
  readonly body?: Schema.Top
  /** A POST that reads no body: an optional empty object is documented, as the server accepts `{}`. */
  readonly emptyBody?: true
  readonly query?: Schema.Top
  /** Path parameter schemas; `id` defaults to a positive integer. */
  readonly params?: Readonly<Record<string, Schema.Top>>
  readonly ok: { readonly status: number; readonly schema?: Schema.Top; readonly text?: string }
  readonly extra?: ReadonlyArray<readonly [number, Schema.Top, string]>
  /** The 409 codes it answers. */
  readonly conflicts?: ReadonlyArray<ErrorCode>
  /** Error statuses besides those derived from what it reads (see errorStatusesOf); service endpoints list all. */
  readonly errors?: ReadonlyArray<number>
  /** Roles allowed besides admin; undefined for the token-free service endpoints. */
  readonly roles?: ReadonlyArray<Role>
}

const Status = (status: string) => Schema.Struct({ status: Schema.Literal(status) })
const BulkResponse = Schema.Union([BulkIdsResponse, BulkCountResponse])
const W: ReadonlyArray<Role> = ["worker"]
const P: ReadonlyArray<Role> = ["producer"]
const PW: ReadonlyArray<Role> = ["producer", "worker"]
const A: ReadonlyArray<Role> = []
const LEASE_LOST: ReadonlyArray<ErrorCode> = ["lease_lost"]
const TRANSITION: ReadonlyArray<ErrorCode> = ["invalid_transition"]
const CONFLICT: ReadonlyArray<ErrorCode> = ["conflict"]
const SCAN = { name: ScanName }
const SCHEDULE = { name: ScheduleName }

/** Every route the master serves, with its contract schemas (the OpenAPI document is generated from this). */
export const OPERATIONS: ReadonlyArray<Operation> = [
  { method: "post", path: "/jobs", summary: "Enqueue a job", tag: "Producers", body: EnqueueRequest, ok: { status: 201, schema: JobResponse }, extra: [[200, EnqueueDuplicateResponse, "An existing idempotency key in that queue: the existing job"]], roles: P },
  { method: "post", path: "/jobs/batch", summary: "Enqueue up to 10,000 jobs, all or nothing", tag: "Producers", body: EnqueueBatchShape, ok: { status: 201, schema: EnqueueBatchResponse }, roles: P },
  { method: "get", path: "/jobs", summary: "List jobs by id ascending", tag: "Operators", query: ListJobsQuery, ok: { status: 200, schema: ListJobsResponse }, roles: P },
  { method: "get", path: "/jobs/{id}", summary: "Read one job", tag: "Operators", ok: { status: 200, schema: JobResponse }, roles: PW },
  { method: "post", path: "/jobs/{id}/retry", summary: "Retry a failed, cancelled or retrying job now", tag: "Operators", emptyBody: true, ok: { status: 200, schema: JobResponse }, conflicts: TRANSITION, roles: A },
  { method: "post", path: "/jobs/{id}/cancel", summary: "Cancel a pending, retrying or processing job", tag: "Operators", emptyBody: true, ok: { status: 200, schema: JobResponse }, conflicts: TRANSITION, roles: A },
  { method: "post", path: "/jobs/bulk/retry", summary: "Retry many jobs: by ids (per-id results) or by filter (a count; dry_run counts only)", tag: "Operators", body: BulkRequest, ok: { status: 200, schema: BulkResponse }, roles: A },
  { method: "post", path: "/jobs/bulk/cancel", summary: "Cancel many jobs: by ids (per-id results) or by filter (a count; dry_run counts only)", tag: "Operators", body: BulkRequest, ok: { status: 200, schema: BulkResponse }, roles: A },
  { method: "post", path: "/jobs/lease", summary: "Lease jobs, optionally long-polling up to wait_ms", tag: "Workers", body: LeaseRequest, ok: { status: 200, schema: LeaseResponse }, roles: W },
  { method: "post", path: "/jobs/{id}/renew", summary: "Extend a live lease", tag: "Workers", body: RenewRequest, ok: { status: 200, schema: RenewResponse }, conflicts: LEASE_LOST, roles: W },
  { method: "post", path: "/jobs/{id}/complete", summary: "Complete a leased job (idempotent per token)", tag: "Workers", body: CompleteRequest, ok: { status: 200, schema: JobResponse }, conflicts: LEASE_LOST, roles: W },
  { method: "post", path: "/jobs/{id}/fail", summary: "Fail an attempt (retry with backoff or dead-letter)", tag: "Workers", body: FailRequest, ok: { status: 200, schema: JobResponse }, conflicts: LEASE_LOST, roles: W },
  { method: "post", path: "/jobs/{id}/release", summary: "Give a leased job back (attempt not counted)", tag: "Workers", body: ReleaseRequest, ok: { status: 200, schema: JobResponse }, conflicts: LEASE_LOST, roles: W },
  { method: "post", path: "/leases/ack", summary: "Batched outcomes in one transaction", tag: "Workers", body: AckRequest, ok: { status: 200, schema: AckResponse }, roles: W },
  { method: "post", path: "/leases/renew", summary: "Batched renew", tag: "Workers", body: RenewManyRequest, ok: { status: 200, schema: RenewManyResponse }, roles: W },
  { method: "get", path: "/leases", summary: "List active or expired leases", tag: "Operators", query: ListLeasesQuery, ok: { status: 200, schema: ListLeasesResponse }, roles: P },
  { method: "post", path: "/leases/recover", summary: "Recover expired leases now (what the sweeper does)", tag: "Operators", emptyBody: true, ok: { status: 200, schema: RecoverResponse }, roles: A },
  { method: "get", path: "/stats", summary: "Per-queue counts, oldest pending age, expired leases, active workers", tag: "Operators", ok: { status: 200, schema: StatsResponse }, roles: P },
  { method: "get", path: "/stats/throughput", summary: "Completed and failed jobs per minute, oldest first, current minute last", tag: "Operators", query: ThroughputQuery, ok: { status: 200, schema: ThroughputResponse }, roles: P },
  { method: "get", path: "/whoami", summary: "The caller's role (admin on an open master); every role may ask", tag: "Operators", ok: { status: 200, schema: WhoAmIResponse }, roles: PW },
  { method: "get", path: "/workers", summary: "Workers seen in the last 10 minutes", tag: "Operators", ok: { status: 200, schema: ListWorkersResponse }, roles: P },
  { method: "post", path: "/scans", summary: "Create a scan over [start, end)", tag: "Scans", body: CreateScanRequest, ok: { status: 201, schema: ScanResponse }, conflicts: CONFLICT, roles: A },
  { method: "get", path: "/scans", summary: "List scans", tag: "Scans", ok: { status: 200, schema: ListScansResponse }, roles: P },
  { method: "get", path: "/scans/{name}", summary: "Read a scan and its progress", tag: "Scans", params: SCAN, ok: { status: 200, schema: ScanResponse }, roles: P },
  { method: "post", path: "/scans/{name}/pause", summary: "Stop carving batches", tag: "Scans", params: SCAN, emptyBody: true, ok: { status: 200, schema: ScanResponse }, roles: A },
  { method: "post", path: "/scans/{name}/resume", summary: "Resume carving batches", tag: "Scans", params: SCAN, emptyBody: true, ok: { status: 200, schema: ScanResponse }, roles: A },
  { method: "get", path: "/queues", summary: "List queues with jobs or settings, with their counts", tag: "Queues", ok: { status: 200, schema: ListQueuesResponse }, roles: P },
  { method: "get", path: "/queues/{name}", summary: "Read a queue's settings and counts (any well-formed name)", tag: "Queues", params: SCAN, ok: { status: 200, schema: QueueResponse }, roles: P },
  { method: "patch", path: "/queues/{name}", summary: "Set or clear a queue's limits (null clears)", tag: "Queues", params: SCAN, body: PatchQueueRequest, ok: { status: 200, schema: QueueResponse }, roles: A },
  { method: "post", path: "/queues/{name}/pause", summary: "Stop leasing and carving on the queue", tag: "Queues", params: SCAN, emptyBody: true, ok: { status: 200, schema: QueueResponse }, roles: A },
  { method: "post", path: "/queues/{name}/resume", summary: "Resume leasing on the queue (waiting long-polls wake at once)", tag: "Queues", params: SCAN, emptyBody: true, ok: { status: 200, schema: QueueResponse }, roles: A },
  { method: "post", path: "/schedules", summary: "Create a cron schedule", tag: "Schedules", body: CreateScheduleRequest, ok: { status: 201, schema: ScheduleResponse }, conflicts: CONFLICT, roles: A },
  { method: "get", path: "/schedules", summary: "List schedules", tag: "Schedules", ok: { status: 200, schema: ListSchedulesResponse }, roles: P },
  { method: "get", path: "/schedules/{name}", summary: "Read a schedule", tag: "Schedules", params: SCHEDULE, ok: { status: 200, schema: ScheduleResponse }, roles: P },
  { method: "patch", path: "/schedules/{name}", summary: "Update a schedule", tag: "Schedules", params: SCHEDULE, body: UpdateScheduleRequest, ok: { status: 200, schema: ScheduleResponse }, roles: A },
  { method: "delete", path: "/schedules/{name}", summary: "Delete a schedule", tag: "Schedules", params: SCHEDULE, ok: { status: 204 }, roles: A },
  { method: "post", path: "/schedules/{name}/pause", summary: "Pause a schedule (enabled false, next_run_at null)", tag: "Schedules", params: SCHEDULE, emptyBody: true, ok: { status: 200, schema: ScheduleResponse }, roles: A },
  { method: "post", path: "/schedules/{name}/resume", summary: "Resume a schedule", tag: "Schedules", params: SCHEDULE, emptyBody: true, ok: { status: 200, schema: ScheduleResponse }, roles: A },
  { method: "get", path: "/schedules/{name}/preview", summary: "The next fire times of a schedule", tag: "Schedules", params: SCHEDULE, query: SchedulePreviewQuery, ok: { status: 200, schema: SchedulePreviewResponse }, roles: P },
  { method: "post", path: "/workflows", summary: "Create a workflow (a DAG of jobs), all or nothing", tag: "Workflows", body: CreateWorkflowShape, ok: { status: 201, schema: WorkflowResponse }, extra: [[200, WorkflowResponse, "An existing idempotency key: the existing workflow, duplicate true"]], roles: P },
  { method: "get", path: "/workflows", summary: "List workflows by id ascending", tag: "Workflows", query: ListWorkflowsQuery, ok: { status: 200, schema: ListWorkflowsResponse }, roles: P },
  { method: "get", path: "/workflows/{id}", summary: "Read a workflow with its graph", tag: "Workflows", ok: { status: 200, schema: WorkflowResponse }, roles: PW },
  { method: "post", path: "/workflows/{id}/jobs", summary: "Add jobs to a running workflow (under a live lease, idempotent by key)", tag: "Workflows", body: AddWorkflowJobsShape, ok: { status: 201, schema: AddWorkflowJobsResponse }, conflicts: ["lease_lost", "invalid_transition"], roles: PW },
  { method: "post", path: "/workflows/{id}/cancel", summary: "Cancel every unfinished job of a workflow", tag: "Workflows", emptyBody: true, ok: { status: 200, schema: WorkflowResponse }, conflicts: TRANSITION, roles: A },
  { method: "post", path: "/workflows/{id}/retry", summary: "Bring back the failed and cancelled jobs of a workflow", tag: "Workflows", emptyBody: true, ok: { status: 200, schema: WorkflowResponse }, roles: A },
  { method: "get", path: "/healthz", summary: "The process is up", tag: "Service", ok: { status: 200, schema: Status("ok") }, errors: [] },
  { method: "get", path: "/readyz", summary: "The database is reachable", tag: "Service", ok: { status: 200, schema: Status("ready") }, errors: [503] },
  { method: "get", path: "/metrics", summary: "Prometheus metrics", tag: "Service", ok: { status: 200, text: "text/plain; version=0.0.4" }, errors: [] },
  { method: "get", path: "/openapi.json", summary: "This document", tag: "Service", ok: { status: 200, text: "application/json" }, errors: [] }
]
