-- max_concurrency as permits (SPEC "Queues and flow control": never more than N live leases on the
-- queue, across every master), so that a limit that does not bind costs no waiting.
--
-- Before, every lease on a limited queue locked the queue's settings row and counted its live leases:
-- exact, but the leases of one queue ran one at a time, and a limit that never binds cost 35-40 % of
-- the throughput (issue 13). Now a queue with max_concurrency N has N permit slots, in blocks of 16
-- per row (so that a lease of 10 jobs locks and writes one or two rows, not ten). A slot is free when
-- its holder is null or its holder's lease has passed (`until`), held when it names a job whose lease
-- has not, and disabled (-1) when it is not part of the N. A lease takes one free slot per job in the
-- lease statement itself: it locks up to two blocks with a free slot FOR UPDATE SKIP LOCKED, so
-- leasers never wait on each other. Under READ COMMITTED a locked row is its latest committed
-- version, re-checked against the same condition, which reads only the row's own columns: two leases
-- can never hold one slot. Every live lease on the queue holds a slot of its own (below), so live
-- leases <= enabled slots <= N.
--
-- The invariant "every live lease holds its slot": the slot holds the job's id, and its `until` is the
-- job's lease_expires_at, set by the statement that grants the lease (the job keeps the slot in
-- permit_slot = block * 16 + index - 1).
--  - an ack, fail, release or cancel (status leaves 'processing') frees it: the batch acks in their
--    own statement (one update per block), every other statement through the trigger below;
--  - an expiry frees it by itself (`until` passes with the lease), no write needed;
--  - a renew extends it in the renew statement, after locking its block: a slot taken by another
--    lease after this one expired is not the job's any more, and the renew answers lease_lost;
--  - a lease granted before the limit existed holds none: setting the limit adopts every live lease.
--
-- Lock order: whoever waits for locks takes a job's row before its permit block (an ack, a renew, a
-- settle); a lease never waits (SKIP LOCKED on both), so none of them can deadlock. A lease keeps the
-- lock of every block it tried, even one it found full on re-check, until it commits: an ack may
-- wait that long.
--
-- Changing N (leasehold_settle_permits, serialized on the settings row): with no more than N held,
-- the held slots stay where they are, N minus that many slots are free and the rest disabled (blocks
-- with no enabled slot are deleted, new blocks added as needed). With more than N held (a lowering),
-- every block is marked `retire` and nothing is granted until enough of them were freed: no lease is
-- granted while N or more are live, even across a lowering.
create table queue_permits (
  queue text not null,
  block integer not null,
  holders bigint[] not null,
  until timestamptz[] not null,
  retire boolean not null default false,
  primary key (queue, block)
) with (fillfactor = 70);

-- Queues in the middle of a lowering (the sweeper settles them); empty otherwise.
create index queue_permits_retire_idx on queue_permits (queue) where retire;

-- The permit slot a processing job holds (block * 16 + index - 1); null outside limited queues.
-- Nullable, no default: adding it rewrites nothing.
alter table jobs add column permit_slot integer;

-- Brings a queue's permits in line with its max_concurrency (see above); deletes them all, and every
-- job's slot, when the queue has no limit. `wait` true (a settings change, the sweeper): locks the
-- settings row, adopts live leases holding no slot (locking their jobs first), then locks every block.
-- `wait` false (the trigger, inside an ack, for a lowering's blocks): returns at once when any of
-- those locks is taken (the next settle does the work), and adopts nothing.
create function leasehold_settle_permits(q text, wait boolean default true) returns void
language plpgsql volatile as $$
declare
  n integer;
  held integer;
  budget integer;
  b record;
  nh bigint[];
  top integer;
  k integer;
begin
  begin
    if wait then
      select s.max_concurrency into n from queue_settings s where s.name = q for update;
    else
      select s.max_concurrency into n from queue_settings s where s.name = q for update nowait;
      if n is null then
        return;
      end if;
    end if;
    if n is null then
      update jobs set permit_slot = null where queue = q and status = 'processing' and permit_slot is not null;
      delete from queue_permits where queue = q;
      return;
    end if;
    if wait then
      perform 1 from jobs j
      where j.status = 'processing' and j.lease_expires_at >= now() and j.queue = q
        and not exists (select 1 from queue_permits p
                        where p.queue = q and p.block = j.permit_slot / 16 and p.holders[j.permit_slot % 16 + 1] = j.id)
      order by j.id
      for update of j;
      select coalesce(max(p.block), -1) into top from queue_permits p where p.queue = q;
      with orphans as materialized (
        select j.id, j.lease_expires_at, row_number() over (order by j.id) - 1 as rn from jobs j
        where j.status = 'processing' and j.lease_expires_at >= now() and j.queue = q
          and not exists (select 1 from queue_permits p
                          where p.queue = q and p.block = j.permit_slot / 16 and p.holders[j.permit_slot % 16 + 1] = j.id)
      ), ins as (
        insert into queue_permits (queue, block, holders, until)
        select q, top + 1 + o.rn / 16, array_agg(o.id order by o.rn), array_agg(o.lease_expires_at order by o.rn)
        from orphans o group by o.rn / 16
      )
      update jobs j set permit_slot = (top + 1 + o.rn / 16) * 16 + o.rn % 16 from orphans o where j.id = o.id;
      perform 1 from queue_permits where queue = q order by block for update;
    else
      perform 1 from queue_permits where queue = q order by block for update nowait;
    end if;
  exception when lock_not_available then
    return;
  end;
  select count(*) into held from queue_permits p, unnest(p.holders, p.until) h(j, u)
  where p.queue = q and h.j > 0 and h.u >= now();
  if held > n then
    update queue_permits set retire = true where queue = q and not retire;
    return;
  end if;
  budget := n - held;
  for b in select p.block, p.holders, p.until from queue_permits p where p.queue = q order by p.block loop
    nh := '{}';
    k := 0;
    for i in 1 .. cardinality(b.holders) loop
      if b.holders[i] > 0 and b.until[i] >= now() then
        nh := nh || b.holders[i];
        k := k + 1;
      elsif budget > 0 then
        nh := nh || null::bigint;
        budget := budget - 1;
        k := k + 1;
      else
        nh := nh || (-1)::bigint;
      end if;
    end loop;
    if k = 0 then
      delete from queue_permits where queue = q and block = b.block;
    else
      update queue_permits set holders = nh, retire = false
      where queue = q and block = b.block and (holders is distinct from nh or retire);
    end if;
  end loop;
  select coalesce(max(p.block), -1) into top from queue_permits p where p.queue = q;
  while budget > 0 loop
    top := top + 1;
    k := least(16, budget);
    insert into queue_permits (queue, block, holders, until)
    values (q, top, array_fill(null::bigint, array[k]), array_fill(null::timestamptz, array[k]));
    budget := budget - k;
  end loop;
end
$$;

-- Frees the permit slot of a job whose lease ended (status left 'processing') and that still holds
-- it, for the statements that end a lease without freeing its slot themselves (single complete, fail
-- and release, cancel, bulk operations, the sweeper). The batch acks free their slots in the ack
-- statement itself, set-based (one update of each block), and mark it by storing -1 - slot in
-- permit_slot, which this trigger's condition leaves alone; jobs outside limited queues have a null
-- permit_slot and pay only the condition. A freed slot of a lowering (`retire`) settles its queue,
-- without waiting.
create function leasehold_free_permit() returns trigger language plpgsql as $$
declare
  r boolean;
begin
  update queue_permits p set holders[old.permit_slot % 16 + 1] = null
  where p.queue = old.queue and p.block = old.permit_slot / 16 and p.holders[old.permit_slot % 16 + 1] = old.id
  returning p.retire into r;
  if r then
    perform leasehold_settle_permits(old.queue, false);
  end if;
  return null;
end
$$;

create trigger jobs_free_permit after update on jobs for each row
  when (old.permit_slot >= 0 and new.permit_slot >= 0 and old.status = 'processing' and new.status <> 'processing')
  execute function leasehold_free_permit();

-- Frees permit slots for a batch ack, in the ack statement (`freePermits` in permits.ts): `ids`,
-- `queues` and `slots` side by side, each job freeing its slot only if the slot still names it. One
-- update per block; returns the blocks updated. Called only when the batch held slots (a HAVING), so
-- acks of queues without limits never open queue_permits.
create function leasehold_free_slots(ids bigint[], queues text[], slots integer[]) returns integer
language plpgsql volatile as $$
declare
  k integer;
begin
  with fr as materialized (
    select f.id, f.queue, f.slot / 16 as block, f.slot % 16 + 1 as i from unnest(ids, queues, slots) f(id, queue, slot)
  )
  update queue_permits p
  set holders = (select array_agg(case when exists (select 1 from fr where fr.queue = p.queue and fr.block = p.block
                                                     and fr.i = h.i and fr.id = h.j) then null else h.j end order by h.i)
                 from unnest(p.holders) with ordinality h(j, i))
  from (select distinct fr.queue, fr.block from fr) x
  where p.queue = x.queue and p.block = x.block;
  get diagnostics k = row_count;
  return k;
end
$$;

-- Carving (0002) on a queue with max_concurrency: each carved batch takes one of the permits the lease
-- statement locked for it (`slots`, in order), and no more batches than there are. Without `slots`
-- it carves as before.
drop function leasehold_carve(integer, text[], text[], bigint, text, integer, timestamptz);
create function leasehold_carve(
  need integer, queues text[], types text[], requested bigint, worker text, seconds integer, at timestamptz,
  slots integer[] default null
) returns setof jobs language plpgsql volatile as $$
declare
  s record;
  size bigint;
  k bigint;
  used integer := 0;
begin
  if slots is not null then
    need := least(need, cardinality(slots));
  end if;
  for s in
    select sc.id, sc.name, sc.queue, sc.type, sc.payload, sc.max_attempts, sc.cursor_pos, sc.range_end,
           sc.default_batch_size, sc.max_batch_size
    from scans sc
    where sc.queue = any(queues) and not sc.paused and sc.cursor_pos < sc.range_end
      and (types is null or sc.type = any(types))
    order by sc.id
    for update
  loop
    exit when need <= 0;
    size := least(coalesce(requested, s.default_batch_size), s.max_batch_size);
    k := least(need, (s.range_end - s.cursor_pos + size - 1) / size);
    update scans set cursor_pos = least(s.range_end, s.cursor_pos + k * size), updated_at = at where id = s.id;
    return query
      insert into jobs (created_at, run_at, scan_start, scan_end, max_attempts, priority, queue, type, scan,
                        attempts, lease_seconds, leased_at, status, updated_at, lease_expires_at, worker_id,
                        lease_token, payload, permit_slot)
      select at, at, b.lo, b.hi, s.max_attempts, 0, s.queue, s.type, s.name,
             1, seconds, at, 'processing', at, at + make_interval(secs => seconds), worker,
             gen_random_uuid(), s.payload || jsonb_build_object('start', b.lo, 'end', b.hi), slots[used + b.i::integer + 1]
      from (
        select i, s.cursor_pos + i * size as lo, least(s.cursor_pos + (i + 1) * size, s.range_end) as hi
        from generate_series(0::bigint, k - 1) i
      ) b
      order by b.lo
      returning *;
    need := need - k;
    used := used + k;
  end loop;
end
$$;
