import { useQuery } from "@tanstack/react-query"
import { ApiError, api, callUntyped, unwrap } from "../../api/client.ts"
import type { Throughput } from "../../api/pendingTypes.ts"
import { THROUGHPUT_MINUTES, live } from "../../api/polling.ts"

/** Per-queue counts, expired leases and active workers: `GET /stats`, live. */
export const useStats = () => useQuery({ queryKey: ["stats"], queryFn: () => unwrap(api.GET("/api/v1/stats")), ...live })

/** Completed and failed per minute over the last hour (`GET /stats/throughput`); stops asking when the master lacks the route. */
export const useThroughput = () =>
  useQuery({
    queryKey: ["throughput", THROUGHPUT_MINUTES],
    queryFn: () => callUntyped<Throughput>("GET", `/api/v1/stats/throughput?minutes=${THROUGHPUT_MINUTES}`),
    ...live,
    refetchInterval: (q) => (q.state.error instanceof ApiError && q.state.error.routeMissing ? false : live.refetchInterval),
    retry: (n, e) => !(e instanceof ApiError && e.routeMissing) && n < 1
  })
