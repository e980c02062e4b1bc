-- Exact counts without counting rows: GET /stats, GET /queues and GET /stats/throughput read a few
-- hundred counter rows instead of scanning `jobs` (2.2 s at 2 M rows before this migration).
--
-- Mechanism. Statement-level AFTER triggers with transition tables on `jobs` (insert, update of
-- status, delete) aggregate each statement's rows into per-(queue, status) deltas and add them to
-- `job_counts`. They run in the writing transaction, so a count changes exactly when the change
-- commits (no cache, no lag), and they cover every statement that changes a status, including
-- ones added later (workflows' blocked jobs, bulk operations, carved scan batches). One aggregate
-- per statement, not one write per row: a lease or ack of 100 jobs adds two counter upserts.
--
-- No hot row. A single counter row per (queue, status) would serialize every writer on its row
-- lock until commit. Counters are sharded by `slot`, and a transaction writes only slots it holds
-- a transaction-level advisory lock on (`leasehold_counter_slot`: the lowest free slot, tried
-- without waiting), so two concurrent transactions never touch the same counter row: no waits and
-- no deadlocks, however many writers and whatever order their statements run in. Slots in use stay
-- close to the peak number of concurrent writers, so a read sums (queues x statuses x ~writers)
-- rows. Counter updates are HOT (no indexed column changes), so the table stays small without
-- vacuum. Slot values may be negative; their sum is the exact count.
--
-- Throughput. The same statements add per-minute buckets to `job_throughput`: a job counts in the
-- minute it finished (completed: its updated_at, failed: completed_at) while its row is completed
-- or failed. An admin retry takes a failed job back out of its minute (the buckets equal the
-- finished rows per minute). Deletes do not: pruning past the retention does not rewrite history.
--
-- Kinds. `job_kinds` lists every (queue, type) pair ever inserted; GET /jobs uses it to walk one
-- index range per pair (see 0021). A job's queue and type never change after insert.
--
-- What it costs. Measured with packages/store-postgres/bench (see the README): a lease and an ack
-- each run the trigger once per statement.

create table job_counts (
  queue  text not null,
  status job_status not null,
  slot   smallint not null,
  n      bigint not null,
  primary key (queue, status, slot)
);

create table job_throughput (
  minute    timestamptz not null,
  queue     text not null,
  slot      smallint not null,
  completed bigint not null,
  failed    bigint not null,
  primary key (minute, queue, slot)
);

create table job_kinds (
  queue text not null,
  type  text not null,
  primary key (queue, type)
);

-- The counter slot this transaction writes: the lowest of 64 slots whose advisory lock it holds or
-- can take without waiting (re-entrant within the transaction). With every slot held by another
-- transaction, it waits for its backend's own slot (64 concurrent writing transactions: never seen
-- with a pool of 10). Slot 0 is left to maintenance (leasehold_recount).
create function leasehold_counter_slot() returns smallint language plpgsql volatile as $$
declare
  s integer;
begin
  for s in 1..64 loop
    if pg_try_advisory_xact_lock(1818780526, s) then
      return s;
    end if;
  end loop;
  s := 1 + pg_backend_pid() % 64;
  perform pg_advisory_xact_lock(1818780526, s);
  return s;
end
$$;

-- The minute a finished job counts in: its completion time (a completed job's is its updated_at,
-- see rows.ts), truncated to the minute whatever the session time zone.
create function leasehold_finish_minute(completed_at timestamptz, updated_at timestamptz) returns timestamptz
language sql immutable parallel safe as $$
  select date_bin('1 minute', coalesce(completed_at, updated_at), timestamptz '2000-01-01 00:00:00+00')
$$;

-- The slot is taken per written counter row (re-entrant, so one statement normally writes one slot):
-- a statement that changes no count (a renew, an empty lease) takes no lock and writes nothing.
create function leasehold_jobs_counted() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    with d as materialized (
      select queue, status, leasehold_finish_minute(completed_at, updated_at) as minute, type from new_rows
    ),
    k as (
      insert into job_kinds (queue, type) select distinct queue, type from d order by 1, 2 on conflict do nothing
    ),
    t as (
      insert into job_throughput as b (minute, queue, slot, completed, failed)
      select minute, queue, leasehold_counter_slot(), count(*) filter (where status = 'completed'), count(*) filter (where status = 'failed')
      from d where status in ('completed', 'failed') group by minute, queue
      on conflict (minute, queue, slot) do update set completed = b.completed + excluded.completed, failed = b.failed + excluded.failed
    )
    insert into job_counts as c (queue, status, slot, n)
    select queue, status, leasehold_counter_slot(), count(*) from d group by queue, status
    on conflict (queue, status, slot) do update set n = c.n + excluded.n;
  elsif tg_op = 'UPDATE' then
    with d as materialized (
      select queue, status, 1 as k, completed_at, updated_at from new_rows
      union all
      select queue, status, -1, completed_at, updated_at from old_rows
    ),
    t as (
      insert into job_throughput as b (minute, queue, slot, completed, failed)
      select x.minute, x.queue, leasehold_counter_slot(), x.completed, x.failed from (
        select leasehold_finish_minute(completed_at, updated_at) as minute, queue,
               coalesce(sum(k) filter (where status = 'completed'), 0) as completed,
               coalesce(sum(k) filter (where status = 'failed'), 0) as failed
        from d where status in ('completed', 'failed') group by 1, 2
      ) x
      where x.completed <> 0 or x.failed <> 0
      on conflict (minute, queue, slot) do update set completed = b.completed + excluded.completed, failed = b.failed + excluded.failed
    )
    insert into job_counts as c (queue, status, slot, n)
    select queue, status, leasehold_counter_slot(), sum(k) from d group by queue, status having sum(k) <> 0
    on conflict (queue, status, slot) do update set n = c.n + excluded.n;
  else
    insert into job_counts as c (queue, status, slot, n)
    select queue, status, leasehold_counter_slot(), -count(*) from old_rows group by queue, status
    on conflict (queue, status, slot) do update set n = c.n + excluded.n;
  end if;
  return null;
end
$$;

-- Transition tables allow one event per trigger and no column list, hence three, and the update
-- trigger runs for every update (a renew too: its deltas net to zero and it writes nothing).
create trigger jobs_counted_insert after insert on jobs
  referencing new table as new_rows for each statement execute function leasehold_jobs_counted();
create trigger jobs_counted_update after update on jobs
  referencing old table as old_rows new table as new_rows for each statement execute function leasehold_jobs_counted();
create trigger jobs_counted_delete after delete on jobs
  referencing old table as old_rows for each statement execute function leasehold_jobs_counted();

-- Recomputes every counter from the rows (after a bulk load with the triggers disabled, or as a
-- repair). Blocks writes to jobs while it counts (a full scan: seconds at 10 M rows).
create function leasehold_recount() returns void language plpgsql as $$
begin
  lock table jobs in share mode;
  delete from job_counts;
  delete from job_kinds;
  delete from job_throughput;
  insert into job_counts (queue, status, slot, n) select queue, status, 0, count(*) from jobs group by 1, 2;
  insert into job_kinds (queue, type) select distinct queue, type from jobs;
  insert into job_throughput (minute, queue, slot, completed, failed)
  select leasehold_finish_minute(completed_at, updated_at), queue, 0,
         count(*) filter (where status = 'completed'), count(*) filter (where status = 'failed')
  from jobs where status in ('completed', 'failed') group by 1, 2;
end
$$;

-- TRUNCATE fires no row or transition trigger: it empties the counters with the table.
create function leasehold_jobs_truncated() returns trigger language plpgsql as $$
begin
  delete from job_counts;
  delete from job_kinds;
  delete from job_throughput;
  return null;
end
$$;
create trigger jobs_truncated after truncate on jobs for each statement execute function leasehold_jobs_truncated();

select leasehold_recount();
