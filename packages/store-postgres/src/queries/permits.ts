import type postgres from "postgres"

/**
 * A renew keeps the lease's permit (migration 0056) held as long as the lease: `pl` locks the permits
 * the renewed jobs still hold, FOR UPDATE, after their jobs' rows (`jl`, all of them first: the order
 * every waiter keeps, so a renew cannot deadlock with an ack), so nobody can reclaim one before this statement commits
 * (a permit whose lease expired may be taken by another lease: its row then names another job, the
 * locked version says so, and that job is not renewed: its lease is gone). Jobs outside limited
 * queues hold none (permit_slot null) and pay one primary-key probe each.
 */
export const permitLock = (sql: postgres.Sql, ids: ReadonlyArray<number>) => sql`
    jl as materialized (
      select pj.id from jobs pj
      where pj.id = any(${ids as number[]}::bigint[]) and pj.permit_slot is not null and pj.status = 'processing'
      order by pj.id
      for update of pj
    ),
    pl as materialized (
      select pj.id, pj.permit_slot from jobs pj
      join queue_permits p on p.queue = pj.queue and p.block = pj.permit_slot / 16
      where pj.id = any(array(select jl.id from jl)) and p.holders[pj.permit_slot % 16 + 1] = pj.id
      for update of p
    ),`

/** The renew's condition: the job holds no permit, or still holds the one `pl` locked. */
export const holdsPermit = (sql: postgres.Sql) => sql`
      and (j.permit_slot is null or exists (select 1 from pl where pl.id = j.id and pl.permit_slot = j.permit_slot))`

/** After `upd` (returning id, queue, permit_slot, lease_expires_at): the permits follow their leases' new expiry. */
export const extendPermits = (sql: postgres.Sql) => sql`,
    pe as (
      update queue_permits p
      set until = (select array_agg(coalesce(u2.lease_expires_at, h.u) order by h.i) from unnest(p.until) with ordinality h(u, i)
                   left join upd u2 on u2.queue = p.queue and u2.permit_slot = p.block * 16 + h.i - 1 and p.holders[h.i] = u2.id)
      from (select distinct u.queue, u.permit_slot / 16 as block from upd u where u.permit_slot is not null) x
      where p.queue = x.queue and p.block = x.block
    )`

/**
 * Settles the queues in the middle of a lowering of max_concurrency (migration 0056): deletes the
 * permits freed by an expiry (no trigger sees those) and reopens the queue once no more than N are
 * held. Each queue under its settings row's lock, one statement per queue; none: one index probe.
 */
export const settleRetiring = (sql: postgres.Sql) =>
  sql`select count(leasehold_settle_permits(r.queue))::int as settled from (select distinct queue from queue_permits where retire) r`

/** After a change of max_concurrency, in the same transaction: the queue's permits follow it (migration 0056). */
export const settlePermits = (sql: postgres.Sql, queue: string) => sql`select leasehold_settle_permits(${queue})`

/**
 * In a batch ack's SET (the job leaves 'processing'): its slot, if it holds one, is freed by
 * `freePermits` in the same statement; -2 - slot records that (and keeps the row trigger of migration
 * 0056, which frees slots for every other statement, off it). Null stays null: jobs outside limited queues.
 */
export const endPermitSlot = (sql: postgres.Sql) => sql`, permit_slot = -2 - j.permit_slot`

/**
 * After a batch ack's `upd` (returning id, queue, permit_slot): the slots its jobs held are freed, one
 * update per block (leasehold_free_slots, migration 0056). A data-modifying CTE is never skipped, so
 * the update sits in a function called only when some job held a slot: acks of queues without limits
 * pay one aggregate over their own rows.
 */
export const freePermits = (sql: postgres.Sql) => sql`,
    pf as (
      select leasehold_free_slots(array_agg(u.id), array_agg(u.queue::text), array_agg(-2 - u.permit_slot))
      from upd u where u.permit_slot <= -2 having count(*) > 0
    )`
