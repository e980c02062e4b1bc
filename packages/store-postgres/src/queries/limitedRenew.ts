import type postgres from "postgres"

/**
 * A renew on a queue with a max_concurrency never brings an expired lease back (SPEC: a live lease is a
 * processing job whose lease_expires_at has not passed; an expired one's room may already be another
 * job's). `sl` takes the settings rows of the renewed jobs' limited queues FOR SHARE: it waits for a
 * controlled lease in flight on them (which holds the row FOR UPDATE while it counts live leases) and
 * holds the next one back until the renew commits; after the lock, the clock says whether the lease
 * is still live. So a lease that counted this one as expired committed before the lock, at a clock
 * already past the expiry, and the renew finds it expired: `lease_lost`. Queues without a limit take
 * no lock (one primary-key probe of jobs and of queue_settings per renewed job).
 */
export const limitedQueuesLocked = (sql: postgres.Sql, ids: ReadonlyArray<number>) => sql`
    sl as materialized (
      select s.name from queue_settings s
      where s.max_concurrency is not null
        and s.name in (select lj.queue from jobs lj where lj.id = any(${ids as number[]}::bigint[]))
      order by s.name
      for share of s
    ),`

/** The renew's condition: the job's queue has no limit, or its lease has not expired (read after `sl`'s lock). */
export const stillLiveIfLimited = (sql: postgres.Sql, now: Date | null) => sql`
      and (j.lease_expires_at >= coalesce(${now}::timestamptz, clock_timestamp()) or not exists (select 1 from sl where sl.name = j.queue))`

/**
 * In the renew's FROM: `sl` counted (so run to the end, its locks taken) before any job row is
 * checked; `stillLiveIfLimited` alone could skip it (its OR stops at a lease not yet expired).
 */
export const limitLockTaken = (sql: postgres.Sql) => sql` cross join (select count(*) as n from sl) sl_locked`
