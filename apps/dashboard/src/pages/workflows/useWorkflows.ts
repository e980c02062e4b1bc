import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { ApiError, api, unwrap } from "../../api/client.ts"
import { live } from "../../api/polling.ts"

/** A workflow that does not exist stays missing: no retry, no polling of the 404. */
const liveUnlessGone = {
  ...live,
  refetchInterval: (q: { state: { error: unknown } }) => (q.state.error instanceof ApiError && q.state.error.status === 404 ? false : live.refetchInterval),
  retry: (n: number, e: unknown) => !(e instanceof ApiError && e.status === 404) && n < 1
}

/** Workflows by id ascending, one keyset page (`GET /workflows`), live. */
export const useWorkflows = (cursor: string | undefined) =>
  useQuery({
    queryKey: ["workflows", cursor],
    queryFn: () => unwrap(api.GET("/api/v1/workflows", { params: { query: { limit: 50, cursor } } })),
    ...live
  })

/** One workflow with every job, runtime-added ones included (`GET /workflows/{id}`), live. */
export const useWorkflow = (id: number) =>
  useQuery({
    queryKey: ["workflow", id],
    queryFn: () => unwrap(api.GET("/api/v1/workflows/{id}", { params: { path: { id } } })),
    ...liveUnlessGone
  })

/** Cancel or retry a whole workflow. */
export const useWorkflowAction = (id: number) => {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (action: "cancel" | "retry") =>
      unwrap(
        action === "cancel"
          ? api.POST("/api/v1/workflows/{id}/cancel", { params: { path: { id } } })
          : api.POST("/api/v1/workflows/{id}/retry", { params: { path: { id } } })
      ),
    onSettled: () => client.invalidateQueries()
  })
}
