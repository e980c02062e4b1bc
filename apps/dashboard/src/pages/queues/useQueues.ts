import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { ApiError, callUntyped } from "../../api/client.ts"
import type { QueueInfo } from "../../api/pendingTypes.ts"
import { live } from "../../api/polling.ts"

const stopWhenMissing = (e: unknown) => e instanceof ApiError && e.routeMissing

/** Every queue with its settings and counts (`GET /queues`), live; stops asking when the master lacks the route. */
export const useQueues = () =>
  useQuery({
    queryKey: ["queues"],
    queryFn: () => callUntyped<{ queues: ReadonlyArray<QueueInfo> }>("GET", "/api/v1/queues"),
    ...live,
    refetchInterval: (q) => (stopWhenMissing(q.state.error) ? false : live.refetchInterval),
    retry: (n, e) => !stopWhenMissing(e) && n < 1
  })

const path = (name: string) => `/api/v1/queues/${encodeURIComponent(name)}`

/** Limits as PATCH /queues/{name} takes them (null clears). */
export type QueueLimits = Pick<QueueInfo, "max_concurrency" | "rate_limit" | "key_concurrency">

/** Pause / resume a queue, or change its limits. */
export const useQueueChange = () => {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (c: { name: string; pause: boolean } | { name: string; limits: QueueLimits }) =>
      "pause" in c ? callUntyped("POST", `${path(c.name)}/${c.pause ? "pause" : "resume"}`) : callUntyped("PATCH", path(c.name), c.limits),
    onSettled: () => client.invalidateQueries({ queryKey: ["queues"] })
  })
}
