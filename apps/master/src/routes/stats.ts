import { Hono } from "hono"
import { ThroughputQuery } from "@leasehold/contracts"
import { runStore } from "../http/runStore.ts"
import { decoder, readQuery } from "../http/validate.ts"
import type { MasterDeps } from "../MasterDeps.ts"

/** A worker counts as active when seen in the last minute (SPEC: Reads). */
const ACTIVE_MS = 60_000
/** `GET /workers` lists workers seen in the last ten minutes. */
const LISTED_MS = 10 * 60_000
/** `GET /stats/throughput` without `minutes` covers the last hour (SPEC: Throughput). */
const DEFAULT_THROUGHPUT_MINUTES = 60

const decodeThroughput = decoder(ThroughputQuery)

/** Operator reads: per-queue stats, throughput per minute and the worker registry. */
export const statsRoutes = (deps: MasterDeps) => {
  const { store } = deps
  const app = new Hono()
  app.get("/stats", async (c) => {
    const now = Date.now()
    const [stats, active] = await Promise.all([
      runStore(store.statsGet({})),
      runStore(store.workerList({ since: new Date(now - ACTIVE_MS) }))
    ])
    return c.json({ queues: stats.queues, expired_leases: stats.expired_leases, workers_active: active.length })
  })
  app.get("/stats/throughput", async (c) => {
    const q = readQuery(c, decodeThroughput)
    const minutes = await runStore(store.throughputGet({ minutes: q.minutes ?? DEFAULT_THROUGHPUT_MINUTES, queue: q.queue }))
    return c.json({ minutes })
  })
  app.get("/workers", async (c) => c.json({ workers: await runStore(store.workerList({ since: new Date(Date.now() - LISTED_MS) })) }))
  return app
}
