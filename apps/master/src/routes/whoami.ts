import { Hono } from "hono"
import type { WhoAmIResponse } from "@leasehold/contracts"
import { authEnabled, type Role } from "../middleware/auth/auth.ts"
import type { MasterDeps } from "../MasterDeps.ts"

/** `GET /whoami`: which role the presented token has (every role may ask); an open master answers admin. */
export const whoamiRoutes = (deps: MasterDeps) => {
  const auth = authEnabled({ admin: deps.config.adminTokens, producer: deps.config.producerTokens, worker: deps.config.workerTokens })
  const app = new Hono()
  app.get("/whoami", (c) => {
    const role = (c.get("role" as never) as Role | undefined) ?? "admin"
    const body: WhoAmIResponse = { role, auth }
    return c.json(body)
  })
  return app
}
