import type postgres from "postgres"
import type { KeyLimit } from "./keyedLease.ts"

/**
 * The permit fragments of the lease statement (lease.ts), for queues with a max_concurrency: their
 * jobs are leased in the common statement, one free permit slot each (migration 0056). Each fragment
 * is empty when `on` is false: the statement then carries none of this, and leaves such queues to a
 * second statement with `on` (`permit_queues` in its answer), so queues without limits pay nothing.
 */

/**
 * `pb`: the blocks of each limited queue with a free slot that the batch needs (one per 16 jobs), FOR UPDATE SKIP LOCKED (a lease never
 * waits for another), from a random block on (the blocks after it, then those before it), so that
 * leasers spread over the blocks and rarely walk past held slots; `perm`: their free slots, numbered.
 * Under READ COMMITTED a block found changed is re-checked on its latest version against the same
 * condition, which reads only the block's own columns: a slot is never granted twice.
 */
export const permitPick = (sql: postgres.Sql, on: boolean, limit: () => postgres.Fragment) => {
  /** Blocks to lock: enough for the batch when they are free (as they are when the limit does not bind). */
  const blocks = () => sql`ceil(${limit()} / 16.0)::int`
  return !on
    ? sql``
    : sql`    pb as materialized (
      select b.queue, b.block, b.holders, b.until
      from g cross join qs cross join unnest(qs.permitted) q(name)
      cross join lateral (
        select floor(random() * ceil((select s.max_concurrency from queue_settings s where s.name = q.name) / 16.0))::int as start
      ) r
      cross join lateral (
        select * from (
          select * from (
            select p.queue, p.block, p.holders, p.until from queue_permits p
            where p.queue = q.name and p.block >= r.start and not p.retire
              and exists (select 1 from unnest(p.holders, p.until) h(j, u) where h.j is null or (h.j > 0 and h.u < g.now))
            order by p.block
            limit ${blocks()}
            for update of p skip locked
          ) above
          union all
          select * from (
            select p.queue, p.block, p.holders, p.until from queue_permits p
            where p.queue = q.name and p.block < r.start and not p.retire
              and exists (select 1 from unnest(p.holders, p.until) h(j, u) where h.j is null or (h.j > 0 and h.u < g.now))
            order by p.block
            limit ${blocks()}
            for update of p skip locked
          ) below
        ) u
        limit ${blocks()}
      ) b
      where g.ok and ${limit()} > 0
    ),
    perm as materialized (
      select pb.queue, pb.block, h.i::int as i, pb.block * 16 + h.i::int - 1 as slot,
             row_number() over (partition by pb.queue order by pb.block, h.i) as rn
      from pb cross join g cross join lateral unnest(pb.holders, pb.until) with ordinality h(j, u, i)
      where h.j is null or (h.j > 0 and h.u < g.now)
    ),
`
}

/** A queue's candidates in `c`: the statement's limit, and for a limited queue no more than the free slots it locked. */
export const queueLimit = (sql: postgres.Sql, limit: () => postgres.Fragment) => sql`case when q.name = any(qs.permitted)
            then least(${limit()}, (select count(*) from perm where perm.queue = q.name)) else ${limit()} end`

/** `pa`: the leased jobs of limited queues (`c`, or `pick` when keyed), each paired with a free slot of its queue. */
export const permitAssign = (sql: postgres.Sql, on: boolean, k: KeyLimit | undefined) =>
  !on
    ? sql``
    : sql`    pa as materialized (
      select x.id, x.queue, pm.block, pm.i, pm.slot from (
        select c.id, c.queue, row_number() over (partition by c.queue order by c.id) as rn
        from ${k === undefined ? sql`c` : sql`c join pick on pick.id = c.id`} cross join qs
        where c.queue = any(qs.permitted)
      ) x join perm pm on pm.queue = x.queue and pm.rn = x.rn
    ),
`

/** The locked free slots no leased job took, in order: the controlled path carves at most that many scan batches, one slot each. */
export const spareSlots = (sql: postgres.Sql) => sql`(
  select coalesce(array_agg(pm.slot order by pm.rn), '{}'::int[]) from perm pm
  where not exists (select 1 from pa where pa.queue = pm.queue and pa.slot = pm.slot))`

/**
 * After `carved`: every slot taken (by a leased job, or by a carved batch through `slots`) names its
 * job and the lease's expiry, one update per block. The new arrays are built from `pb`'s copy of the
 * block: the version this statement locked (a read of the table here could see an older one).
 */
export const permitTake = (sql: postgres.Sql, on: boolean, leaseSeconds: number) =>
  !on
    ? sql``
    : sql`,
    asg as materialized (
      select pa.id, pa.queue, pa.block, pa.i, g.now + make_interval(secs => ${leaseSeconds}) as until from pa cross join g
      union all
      select cv.id, cv.queue, cv.permit_slot / 16, cv.permit_slot % 16 + 1, cv.lease_expires_at from carved cv where cv.permit_slot is not null
    ),
    pu as (
      update queue_permits p set holders = n.holders, until = n.until
      from (select distinct asg.queue, asg.block from asg) x
      cross join lateral (
        select array_agg(coalesce(a.id, h.j) order by h.i) as holders, array_agg(coalesce(a.until, h.u) order by h.i) as until
        from pb o cross join lateral unnest(o.holders, o.until) with ordinality h(j, u, i)
        left join asg a on a.queue = x.queue and a.block = x.block and a.i = h.i
        where o.queue = x.queue and o.block = x.block
      ) n
      where p.queue = x.queue and p.block = x.block
    )`
