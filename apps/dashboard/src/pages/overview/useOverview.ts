import { useQuery } from "@tanstack/react-query"
import { api, unwrap } from "../../api/client.ts"
import { THROUGHPUT_MINUTES, live } from "../../api/polling.ts"

/** Per-queue counts, expired leases and active workers: `GET /stats`, live. */
export const useStats = () => useQuery({ queryKey: ["stats"], queryFn: () => unwrap(api.GET("/api/v1/stats")), ...live })

/** Completed and failed per minute over the last hour (`GET /stats/throughput`), live. */
export const useThroughput = () =>
  useQuery({
    queryKey: ["throughput", THROUGHPUT_MINUTES],
    queryFn: () => unwrap(api.GET("/api/v1/stats/throughput", { params: { query: { minutes: THROUGHPUT_MINUTES } } })),
    ...live
  })
