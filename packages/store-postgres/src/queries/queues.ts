import type postgres from "postgres"
import { JOBS_CHANNEL } from "../listenJobs.ts"

/** A settings row as stored. */
export interface QueueSettingsRow {
  readonly name: string
  readonly paused: boolean
  readonly max_concurrency: number | null
  readonly rate_limit: number | null
  readonly rate_period_ms: number | null
  readonly key_concurrency: number | null
  readonly window_start: Date | null
  readonly window_count: number
  readonly now: Date
}

/** Every settings row. */
export const listSettings = (sql: postgres.Sql) =>
  sql<QueueSettingsRow[]>`select s.*, now() as now from queue_settings s order by s.name`

/** One settings row (none when the queue has no settings). */
export const getSettings = (sql: postgres.Sql, name: string) =>
  sql<QueueSettingsRow[]>`select s.*, now() as now from queue_settings s where s.name = ${name}`

/**
 * Names of the queues whose leases take the serialized path: paused, limited, or holding keyed jobs (a
 * queue with keyed jobs has a row: its first controlled lease creates it, see `ensureSettings`).
 */
export const controllingQueues = (sql: postgres.Sql) =>
  sql<{ name: string }[]>`select s.name from queue_settings s
    where s.paused or s.max_concurrency is not null or s.rate_limit is not null
       or exists (select 1 from jobs kj where kj.queue = s.name and kj.concurrency_key is not null
                  and kj.status in ('pending', 'retrying', 'processing'))`

/** Fields of a change: `undefined` keeps the stored value, `null` clears it. */
export interface SettingsChange {
  readonly paused?: boolean | undefined
  readonly maxConcurrency?: number | null | undefined
  readonly rateLimit?: number | null | undefined
  readonly ratePeriodMs?: number | null | undefined
  readonly keyConcurrency?: number | null | undefined
}

/**
 * Upserts a queue's settings and NOTIFYs the queue's channel in the same transaction, so long-polls on
 * every master re-check at once (a resume, a raised limit). A changed rate limit starts a new window.
 */
export const upsertSettings = (sql: postgres.Sql, name: string, c: SettingsChange) => {
  const keep = (v: unknown) => v === undefined
  return sql<QueueSettingsRow[]>`
    with up as (
      insert into queue_settings as s (name, paused, max_concurrency, rate_limit, rate_period_ms, key_concurrency)
      values (${name}, ${c.paused ?? false}, ${c.maxConcurrency ?? null}, ${c.rateLimit ?? null}, ${c.ratePeriodMs ?? null},
              ${c.keyConcurrency ?? null})
      on conflict (name) do update set
        paused = case when ${keep(c.paused)} then s.paused else excluded.paused end,
        max_concurrency = case when ${keep(c.maxConcurrency)} then s.max_concurrency else excluded.max_concurrency end,
        rate_limit = case when ${keep(c.rateLimit)} then s.rate_limit else excluded.rate_limit end,
        rate_period_ms = case when ${keep(c.ratePeriodMs)} then s.rate_period_ms else excluded.rate_period_ms end,
        key_concurrency = case when ${keep(c.keyConcurrency)} then s.key_concurrency else excluded.key_concurrency end,
        window_start = case when ${keep(c.rateLimit)} then s.window_start else null end,
        window_count = case when ${keep(c.rateLimit)} then s.window_count else 0 end,
        updated_at = now()
      returning s.*
    ), n as (select pg_notify(${JOBS_CHANNEL}, ${name}))
    select up.*, now() as now from up cross join n`
}

/**
 * First statement of a controlled lease (flowControl.ts): asynchronous commit for its own transaction,
 * and the missing settings rows of these queues created, empty (no setting: the defaults apply). An
 * existing row costs one index probe and takes no lock; a concurrent creator makes this wait for its
 * commit. With `mark`, it first requires that the transaction ahead of it in the same pipeline committed
 * (`markCommitted`): else it fails (division by zero), and with it the whole lease.
 */
export const prepareSettings = (tx: postgres.Sql, names: ReadonlyArray<string>, mark?: string) =>
  tx<{ created: number }[]>`
    with created as (
      insert into queue_settings (name) select n from unnest(${names as string[]}::text[]) n order by n
      on conflict (name) do nothing returning 1
    )
    select set_config('synchronous_commit', 'off', true) as sync, (select count(*)::int from created) as created${
      mark === undefined ? tx`` : tx`,
           1 / coalesce(current_setting(${COMMITTED}, true) = ${mark}, false)::int as after_commit`}`

/** The session setting `markCommitted` sets (it reverts when the transaction that set it rolls back). */
const COMMITTED = "leasehold.committed"

/** Marks the session once the current transaction commits: a session setting set in a transaction reverts with it. */
export const markCommitted = (tx: postgres.Sql, mark: string) => tx`select set_config(${COMMITTED}, ${mark}, false)`

/** Locks the settings rows of these queues in name order (no deadlock between two leasers of overlapping sets). */
export const lockSettings = (tx: postgres.Sql, names: ReadonlyArray<string>) =>
  tx`select 1 from queue_settings s where s.name = any(${names as string[]}::text[]) order by s.name for update`
