import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { api, unwrap } from "../../api/client.ts"
import { live } from "../../api/polling.ts"

/** One job, live (its status, attempts and lease move while it runs). */
export const useJob = (id: number) =>
  useQuery({
    queryKey: ["job", id],
    queryFn: () => unwrap(api.GET("/api/v1/jobs/{id}", { params: { path: { id } } })),
    ...live,
    retry: false
  })

/** Admin retry or cancel of one job; every cached read is refreshed afterwards. */
export const useJobAction = (id: number) => {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (action: "retry" | "cancel") =>
      unwrap(
        action === "retry"
          ? api.POST("/api/v1/jobs/{id}/retry", { params: { path: { id } } })
          : api.POST("/api/v1/jobs/{id}/cancel", { params: { path: { id } } })
      ),
    onSuccess: (answer) => client.setQueryData(["job", id], answer),
    onSettled: () => client.invalidateQueries()
  })
}
