import { Effect } from "effect"
import type postgres from "postgres"
import type { QueueSettings } from "@leasehold/contracts"
import { type QueuePatch, type QueueStoreShape } from "@leasehold/core"
import { run } from "./run.ts"
import type { FlowControl } from "./flowControl.ts"
import { getSettings, listSettings, upsertSettings, type QueueSettingsRow, type SettingsChange } from "./queries/queues.ts"

/** A settings row as the wire shows it. */
const toSettings = (r: QueueSettingsRow): QueueSettings => ({
  name: r.name,
  paused: r.paused,
  max_concurrency: r.max_concurrency,
  rate_limit: r.rate_limit !== null && r.rate_period_ms !== null ? { limit: r.rate_limit, period_ms: r.rate_period_ms } : null,
  key_concurrency: r.key_concurrency
})

/** A queue with no settings row. */
const defaults = (name: string): QueueSettings => ({ name, paused: false, max_concurrency: null, rate_limit: null, key_concurrency: null })

const change = (p: QueuePatch): SettingsChange => ({
  maxConcurrency: p.maxConcurrency,
  rateLimit: p.rateLimit === undefined ? undefined : (p.rateLimit?.limit ?? null),
  ratePeriodMs: p.rateLimit === undefined ? undefined : (p.rateLimit?.periodMs ?? null),
  keyConcurrency: p.keyConcurrency
})

/** Queue settings over PostgreSQL; every change invalidates this pool's cached list of controlled queues. */
export const makeQueueOps = (sql: postgres.Sql, flow: FlowControl): QueueStoreShape => {
  const upsert = (name: string, c: SettingsChange) =>
    Effect.map(
      run(() => upsertSettings(sql, name, c)),
      (rows) => {
        flow.invalidate()
        return rows[0] ? toSettings(rows[0]) : defaults(name)
      }
    )
  return {
    queueSettingsList: () => Effect.map(run(() => listSettings(sql)), (rows) => rows.map(toSettings)),
    queueSettingsGet: ({ name }) => Effect.map(run(() => getSettings(sql, name)), (rows) => (rows[0] ? toSettings(rows[0]) : defaults(name))),
    queueSettingsPatch: ({ name, patch }) => upsert(name, change(patch)),
    queueSetPaused: ({ name, paused }) => upsert(name, { paused })
  }
}
