import { useQuery } from "@tanstack/react-query"
import { api, unwrap } from "../../api/client.ts"
import { live } from "../../api/polling.ts"
import { usePauseToggle } from "../../api/usePauseToggle.ts"

/** Every schedule with its next fire time, live. */
export const useSchedules = () => useQuery({ queryKey: ["schedules"], queryFn: () => unwrap(api.GET("/api/v1/schedules")), ...live })

/** Pause or resume one schedule. */
export const useSchedulePause = () =>
  usePauseToggle(
    "schedules",
    (name) => unwrap(api.POST("/api/v1/schedules/{name}/pause", { params: { path: { name } } })),
    (name) => unwrap(api.POST("/api/v1/schedules/{name}/resume", { params: { path: { name } } }))
  )
