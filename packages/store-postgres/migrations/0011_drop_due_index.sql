-- jobs_due_idx (queue, run_at) goes. It offered the planner a second way to answer the lease's
-- `queue = ? and run_at <= now()`: read every due job through it and sort them. With the statistics of
-- an empty table (a fresh database, or before autovacuum has analyzed a sudden backlog) a generic plan
-- chose that path, and every lease then sorted the whole backlog (measured: 36 ms per lease of 64
-- with 40,000 pending jobs). Without it, the only index that matches the lease is jobs_leasable_idx,
-- whose order is the lease order, so the scan stops after N rows whatever the statistics say.
--
-- The next-due lookup of long-polls walks jobs_leasable_idx instead, one descent per distinct priority
-- of the queue (see nextLeasableAt). Enqueue also writes one index entry less per job.
drop index if exists jobs_due_idx;
