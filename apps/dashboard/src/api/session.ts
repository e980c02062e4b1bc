import { createContext, useContext } from "react"
import { useQuery } from "@tanstack/react-query"
import { ApiError, api, unwrap } from "./client.ts"
import type { WhoAmI } from "./types.ts"
import { useToken } from "./token.ts"

/** What the signed-in caller may do: admins act, producers read (actions hidden). */
export interface Session {
  readonly role: WhoAmI["role"]
  readonly auth: boolean
  readonly canAct: boolean
}

/** The session of the token in use, or why there is none. */
export const useWhoAmI = () => {
  const token = useToken()
  return useQuery({
    queryKey: ["whoami", token],
    queryFn: () => unwrap(api.GET("/api/v1/whoami")),
    retry: (count, error) => !(error instanceof ApiError && error.status === 401) && count < 2,
    staleTime: 60_000
  })
}

/** Provided by the auth gate once a token (or an open master) is accepted. */
export const SessionContext = createContext<Session>({ role: "producer", auth: true, canAct: false })

/** The current session; pages hide actions when `canAct` is false. */
export const useSession = (): Session => useContext(SessionContext)
