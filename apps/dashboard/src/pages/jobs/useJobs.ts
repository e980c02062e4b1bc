import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { api, unwrap } from "../../api/client.ts"
import { JOBS_PAGE_SIZE, live } from "../../api/polling.ts"
import type { BulkFilter, BulkRequest, JobQuery, JobStatus } from "../../api/types.ts"

/** The jobs list's filters, as they stand in the page's URL. */
export interface JobFilter {
  readonly queue?: string | undefined
  readonly status?: JobStatus | undefined
  readonly type?: string | undefined
  readonly worker_id?: string | undefined
  readonly workflow_id?: number | undefined
}

/** A workflow id as typed or linked: a positive integer, else none (the API would answer 400). */
export const workflowIdOf = (s: string | null | undefined): number | undefined => (s != null && /^[1-9]\d{0,15}$/.test(s.trim()) ? Number(s) : undefined)

/** The filter a jobs URL names (`?queue=&status=&type=&worker_id=&workflow_id=`). */
export const filterFromUrl = (params: URLSearchParams): JobFilter => ({
  queue: params.get("queue") ?? undefined,
  status: (params.get("status") ?? undefined) as JobStatus | undefined,
  type: params.get("type") ?? undefined,
  worker_id: params.get("worker_id") ?? undefined,
  workflow_id: workflowIdOf(params.get("workflow_id"))
})

/** The URL query of a filter (empty fields left out), so a filtered list is a deep link. */
export const filterToUrl = (f: JobFilter): URLSearchParams => {
  const out = new URLSearchParams()
  for (const [k, v] of Object.entries(f)) if (v !== undefined) out.set(k, String(v))
  return out
}

/** One page of jobs under a filter (keyset: `cursor` from the previous page), live. */
export const useJobs = (filter: JobFilter, cursor: string | undefined) => {
  const query: JobQuery = { ...filter, limit: JOBS_PAGE_SIZE, cursor }
  return useQuery({
    queryKey: ["jobs", query],
    queryFn: () => unwrap(api.GET("/api/v1/jobs", { params: { query } })),
    placeholderData: keepPreviousData,
    ...live
  })
}

/** The part of a jobs filter a bulk operation can take (SPEC: queue, status, type), or why it cannot. */
export const bulkFilterOf = (f: JobFilter): { filter: BulkFilter } | { reason: string } => {
  if (f.worker_id !== undefined || f.workflow_id !== undefined)
    return { reason: "Bulk actions on a filter use queue, status and type only; clear the worker and workflow filters first (or select jobs)." }
  const filter = { queue: f.queue, status: f.status, type: f.type }
  if (filter.queue === undefined && filter.status === undefined && filter.type === undefined)
    return { reason: "Choose a queue, status or type first: a bulk action needs a filter." }
  return { filter }
}

/** Bulk retry or cancel (SPEC: Bulk operations); refreshes every list and count after it. */
export const useBulk = () => {
  const client = useQueryClient()
  return useMutation({
    mutationFn: ({ action, body }: { action: "retry" | "cancel"; body: BulkRequest }) =>
      unwrap(action === "retry" ? api.POST("/api/v1/jobs/bulk/retry", { body }) : api.POST("/api/v1/jobs/bulk/cancel", { body })),
    onSettled: () => client.invalidateQueries()
  })
}
