-- Keeps the counter tables of 0020 as small as what their reads need, from the pruner's loop.
--
-- Throughput. GET /stats/throughput returns at most the last 1440 minutes (the current one included),
-- so older buckets are never read: they are deleted. Without this job_throughput grew by
-- (queues x writers) rows a minute forever, and every read of the last day summed its slot rows.
-- Closed minutes are also folded: the rows of slot s (one per concurrent writer that finished a job in
-- that minute) are summed into slot 0, so a day's read sums about one row per (minute, queue).
--
-- Counts. The same fold for job_counts: slot s's rows are added to slot 0 and deleted; rows of slot 0
-- that reached zero (a queue pruned away) are deleted, so GET /stats and GET /queues read
-- (queues x statuses) rows plus those of the slots written since the last fold.
--
-- Why it is exact and never blocks a writer. A writer writes only counter rows of slots whose
-- transaction-level advisory lock it holds (leasehold_counter_slot, 0020), never slot 0. A fold of slot
-- s first takes that lock without waiting, and skips the slot when a writer holds it: while it moves
-- the slot's rows nobody else can write them, so no delta is lost or counted twice, and it takes no
-- row lock a writer could wait for. One slot per call (one short transaction): it never holds more
-- than one slot, so writers always find a free one. Slot 0 rows are written only by folds (and
-- leasehold_recount); two masters folding at once lock them in (minute, queue) order, so they cannot
-- deadlock. A bucket deleted as too old may come back later as a negative delta (an admin retry of
-- a job that failed days ago takes it out of its minute): it is never read, and the next fold drops it.

create function leasehold_compact_slot(s smallint, keep_minutes integer, at timestamptz) returns integer
language plpgsql volatile as $$
declare
  cur timestamptz := date_bin('1 minute', at, timestamptz '2000-01-01 00:00:00+00');
  moved integer := 0;
  k integer;
begin
  if s <> 0 and not pg_try_advisory_xact_lock(1818780526, s) then
    return -1;
  end if;
  delete from job_throughput where slot = s and minute <= cur - make_interval(mins => keep_minutes);
  get diagnostics k = row_count;
  moved := moved + k;
  if s <> 0 then
    with d as (
      delete from job_throughput where slot = s and minute < cur returning minute, queue, completed, failed
    )
    insert into job_throughput as b (minute, queue, slot, completed, failed)
    select minute, queue, 0, sum(completed), sum(failed) from d group by 1, 2 having sum(completed) <> 0 or sum(failed) <> 0 order by 1, 2
    on conflict (minute, queue, slot) do update set completed = b.completed + excluded.completed, failed = b.failed + excluded.failed;
    get diagnostics k = row_count;
    moved := moved + k;
    with d as (
      delete from job_counts where slot = s returning queue, status, n
    )
    insert into job_counts as c (queue, status, slot, n)
    select queue, status, 0, sum(n) from d group by 1, 2 having sum(n) <> 0 order by 1, 2
    on conflict (queue, status, slot) do update set n = c.n + excluded.n;
    get diagnostics k = row_count;
    moved := moved + k;
  else
    delete from job_counts where slot = 0 and n = 0;
    delete from job_throughput where slot = 0 and completed = 0 and failed = 0;
  end if;
  return moved;
end
$$;
