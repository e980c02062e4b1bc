import { useQuery } from "@tanstack/react-query"
import { api, unwrap } from "../../api/client.ts"
import { live } from "../../api/polling.ts"
import { usePauseToggle } from "../../api/usePauseToggle.ts"

/** Every scan with its progress, live. */
export const useScans = () => useQuery({ queryKey: ["scans"], queryFn: () => unwrap(api.GET("/api/v1/scans")), ...live })

/** Pause or resume carving of one scan. */
export const useScanPause = () =>
  usePauseToggle(
    "scans",
    (name) => unwrap(api.POST("/api/v1/scans/{name}/pause", { params: { path: { name } } })),
    (name) => unwrap(api.POST("/api/v1/scans/{name}/resume", { params: { path: { name } } }))
  )
