import { Hono } from "hono"
import { CreateScanRequest } from "@leasehold/contracts"
import type { Context } from "hono"
import { badRequest } from "../http/HttpError.ts"
import { runStore } from "../http/runStore.ts"
import { decoder, orUndef, readBody } from "../http/validate.ts"
import type { MasterDeps } from "../MasterDeps.ts"

const decodeCreate = decoder(CreateScanRequest)
const NAME = /^[a-z0-9_.-]{1,64}$/

const scanName = (c: Context): string => {
  const name = c.req.param("name") ?? ""
  if (!NAME.test(name)) throw badRequest("invalid path: scan name must match [a-z0-9_.-]{1,64}")
  return name
}

/** Scans: create, list, read, pause, resume. */
export const scansRoutes = (deps: MasterDeps) => {
  const { store, config } = deps
  const app = new Hono()

  app.post("/", async (c) => {
    const b = await readBody(c, decodeCreate)
    if (b.start >= b.end) throw badRequest("start must be below end")
    const max = orUndef(b.max_batch_size)
    const def = orUndef(b.default_batch_size)
    if (def !== undefined && def > (max ?? config.maxBatchSize))
      throw badRequest("default_batch_size must not exceed max_batch_size")
    const payload = orUndef(b.payload)
    if (payload && ("start" in payload || "end" in payload)) throw badRequest("payload must not have start or end keys")
    const scan = await runStore(
      store.scanCreate({
        scan: {
          name: b.name,
          type: b.type,
          queue: orUndef(b.queue),
          start: b.start,
          end: b.end,
          defaultBatchSize: def,
          maxBatchSize: max ?? config.maxBatchSize,
          payload,
          maxAttempts: orUndef(b.max_attempts)
        }
      })
    )
    return c.json({ scan }, 201)
  })

  app.get("/", async (c) => c.json({ scans: await runStore(store.scanList()) }))
  app.get("/:name", async (c) => c.json({ scan: await runStore(store.scanGet({ name: scanName(c) })) }))
  app.post("/:name/pause", async (c) => c.json({ scan: await runStore(store.scanSetPaused({ name: scanName(c), paused: true })) }))
  app.post("/:name/resume", async (c) => c.json({ scan: await runStore(store.scanSetPaused({ name: scanName(c), paused: false })) }))
  return app
}
