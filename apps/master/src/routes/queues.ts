import { Hono } from "hono"
import type { Context } from "hono"
import { PatchQueueRequest, type Queue, type QueueCounts, type QueueSettings } from "@leasehold/contracts"
import type { QueueStoreShape } from "@leasehold/core"
import { badRequest } from "../http/HttpError.ts"
import { runStore } from "../http/runStore.ts"
import { decoder, readBody } from "../http/validate.ts"
import type { MasterDeps } from "../MasterDeps.ts"

const decodePatch = decoder(PatchQueueRequest)
const NAME = /^[a-z0-9_.-]{1,64}$/
const ZERO: QueueCounts = { blocked: 0, pending: 0, processing: 0, retrying: 0, completed: 0, failed: 0, cancelled: 0 }

const queueName = (c: Context): string => {
  const name = c.req.param("name") ?? ""
  if (!NAME.test(name)) throw badRequest("invalid path: queue name must match [a-z0-9_.-]{1,64}")
  return name
}

/** Per-status counts out of a stats entry (which may carry more fields). */
const countsOf = (s: QueueCounts | undefined): QueueCounts =>
  s === undefined
    ? ZERO
    : { blocked: s.blocked, pending: s.pending, processing: s.processing, retrying: s.retrying, completed: s.completed, failed: s.failed, cancelled: s.cancelled }

const defaults = (name: string): QueueSettings => ({ name, paused: false, max_concurrency: null, rate_limit: null, key_concurrency: null })

/**
 * A settings row that sets something. A row may hold none: one whose settings were all cleared or
 * resumed, or the empty row a keyed queue's first lease creates (its lock serializes the queue's leases).
 */
const setsSomething = (s: QueueSettings) => s.paused || s.max_concurrency !== null || s.rate_limit !== null || s.key_concurrency !== null

/** A queue that has jobs: any of its counts above zero (its counters may outlive its last job). */
const hasJobs = (s: QueueCounts | undefined) => s !== undefined && Object.values(countsOf(s)).some((n) => n > 0)

/** Queues and flow control (SPEC): list, read, change limits, pause, resume. */
export const queuesRoutes = (deps: MasterDeps & { readonly queues: QueueStoreShape }) => {
  const { store, queues, waiters } = deps
  const app = new Hono()
  const counts = async () => (await runStore(store.statsGet({}))).queues as Record<string, QueueCounts>
  const withCounts = async (settings: QueueSettings): Promise<Queue> => ({ ...settings, counts: countsOf((await counts())[settings.name]) })
  /** The queue after a change: this master's long-polls re-check at once (the store's NOTIFY wakes the others). */
  const changed = async (settings: QueueSettings) => {
    waiters.notify(settings.name)
    return { queue: await withCounts(settings) }
  }

  app.get("/", async (c) => {
    const [list, stats] = await Promise.all([runStore(queues.queueSettingsList()), counts()])
    const byName = new Map(list.map((s) => [s.name, s]))
    // SPEC: every queue that has jobs or settings.
    const names = [...new Set([...Object.keys(stats).filter((n) => hasJobs(stats[n])), ...list.filter(setsSomething).map((s) => s.name)])].sort()
    return c.json({ queues: names.map((n) => ({ ...(byName.get(n) ?? defaults(n)), counts: countsOf(stats[n]) })) })
  })
  app.get("/:name", async (c) => c.json({ queue: await withCounts(await runStore(queues.queueSettingsGet({ name: queueName(c) }))) }))
  app.patch("/:name", async (c) => {
    const name = queueName(c)
    const b = await readBody(c, decodePatch)
    const patch = {
      maxConcurrency: b.max_concurrency,
      rateLimit: b.rate_limit === undefined ? undefined : b.rate_limit === null ? null : { limit: b.rate_limit.limit, periodMs: b.rate_limit.period_ms },
      keyConcurrency: b.key_concurrency
    }
    return c.json(await changed(await runStore(queues.queueSettingsPatch({ name, patch }))))
  })
  app.post("/:name/pause", async (c) => c.json(await changed(await runStore(queues.queueSetPaused({ name: queueName(c), paused: true })))))
  app.post("/:name/resume", async (c) => c.json(await changed(await runStore(queues.queueSetPaused({ name: queueName(c), paused: false })))))
  return app
}
