import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { ApiError, callUntyped } from "../../api/client.ts"
import type { Workflow, WorkflowSummary } from "../../api/pendingTypes.ts"
import { live } from "../../api/polling.ts"

const missing = (e: unknown) => e instanceof ApiError && e.routeMissing
const liveUnlessMissing = {
  ...live,
  refetchInterval: (q: { state: { error: unknown } }) => (missing(q.state.error) ? false : live.refetchInterval),
  retry: (n: number, e: unknown) => !missing(e) && !(e instanceof ApiError && e.status === 404) && n < 1
}

/** Workflows, newest page first by id (`GET /workflows`), live. */
export const useWorkflows = (cursor: string | undefined) =>
  useQuery({
    queryKey: ["workflows", cursor],
    queryFn: () =>
      callUntyped<{ workflows: ReadonlyArray<WorkflowSummary>; next_cursor: string | null }>(
        "GET",
        `/api/v1/workflows?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`
      ),
    ...liveUnlessMissing
  })

/** One workflow with every job, runtime-added ones included (`GET /workflows/{id}`), live. */
export const useWorkflow = (id: number) =>
  useQuery({
    queryKey: ["workflow", id],
    queryFn: () => callUntyped<{ workflow: Workflow }>("GET", `/api/v1/workflows/${id}`),
    ...liveUnlessMissing
  })

/** Cancel or retry a whole workflow. */
export const useWorkflowAction = (id: number) => {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (action: "cancel" | "retry") => callUntyped<{ workflow: Workflow }>("POST", `/api/v1/workflows/${id}/${action}`),
    onSettled: () => client.invalidateQueries()
  })
}
