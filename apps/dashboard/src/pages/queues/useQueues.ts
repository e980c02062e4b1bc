import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { api, unwrap } from "../../api/client.ts"
import { live } from "../../api/polling.ts"
import type { QueueLimits } from "../../api/types.ts"

/** Every queue with its settings and counts (`GET /queues`), live. */
export const useQueues = () => useQuery({ queryKey: ["queues"], queryFn: () => unwrap(api.GET("/api/v1/queues")), ...live })

/** One change to a queue: pause or resume it, or PATCH its limits (null clears one, an absent field keeps it). */
export type QueueChange = { readonly name: string; readonly pause: boolean } | { readonly name: string; readonly limits: QueueLimits }

/** Pause / resume a queue, or change its limits; refreshes the list afterwards. */
export const useQueueChange = () => {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (c: QueueChange) => {
      const params = { path: { name: c.name } }
      if ("limits" in c) return unwrap(api.PATCH("/api/v1/queues/{name}", { params, body: c.limits }))
      return unwrap(c.pause ? api.POST("/api/v1/queues/{name}/pause", { params }) : api.POST("/api/v1/queues/{name}/resume", { params }))
    },
    onSettled: () => client.invalidateQueries({ queryKey: ["queues"] })
  })
}
