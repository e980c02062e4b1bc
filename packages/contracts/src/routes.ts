/** Base path of the HTTP API; service endpoints live at the root. */
export const API_BASE = "/api/v1"

/** Route templates, relative to API_BASE, shared by the master, the worker client and the CLI. */
export const Routes = {
  jobs: "/jobs",
  jobsBatch: "/jobs/batch",
  jobsLease: "/jobs/lease",
  job: (id: number | string) => `/jobs/${id}`,
  jobRenew: (id: number | string) => `/jobs/${id}/renew`,
  jobComplete: (id: number | string) => `/jobs/${id}/complete`,
  jobFail: (id: number | string) => `/jobs/${id}/fail`,
  jobRelease: (id: number | string) => `/jobs/${id}/release`,
  jobRetry: (id: number | string) => `/jobs/${id}/retry`,
  jobCancel: (id: number | string) => `/jobs/${id}/cancel`,
  jobsBulkRetry: "/jobs/bulk/retry",
  jobsBulkCancel: "/jobs/bulk/cancel",
  leases: "/leases",
  leasesAck: "/leases/ack",
  leasesRenew: "/leases/renew",
  leasesRecover: "/leases/recover",
  stats: "/stats",
  statsThroughput: "/stats/throughput",
  workers: "/workers",
  schedules: "/schedules",
  schedule: (name: string) => `/schedules/${encodeURIComponent(name)}`,
  scans: "/scans",
  scan: (name: string) => `/scans/${encodeURIComponent(name)}`,
  queues: "/queues",
  queue: (name: string) => `/queues/${encodeURIComponent(name)}`,
  workflows: "/workflows",
  workflow: (id: number | string) => `/workflows/${id}`,
  workflowJobs: (id: number | string) => `/workflows/${id}/jobs`,
  workflowCancel: (id: number | string) => `/workflows/${id}/cancel`,
  workflowRetry: (id: number | string) => `/workflows/${id}/retry`
} as const
