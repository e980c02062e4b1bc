-- Per-key concurrency (SPEC "Queues and flow control": concurrency_key on jobs, key_concurrency K on the
-- queue, default 1). Nullable, no default: adding the column rewrites nothing, and jobs without a key
-- store no bytes for it (null bitmap).
--
-- Mechanism (see flowControl.ts and queries/lease.ts):
--  - a queue that holds keyed jobs (pending, retrying or processing) is controlled: the common lease
--    statement leaves it out after one probe of the index below (jobs without keys never enter it, so
--    for queues without keyed jobs the probe finds an empty range);
--  - a controlled queue is leased in a transaction that first locks its queue_settings row FOR UPDATE
--    (the row is created, empty, when missing), so every check-and-claim on that queue, on every
--    master, is serialized; there, each candidate's key is checked by counting at most K live leases
--    of that key in the same index (never a count over the table), and a batch takes at most
--    K - live jobs per key, in lease order;
--  - a held-back job stays pending (skipped, not blocked): the next eligible one is taken instead.
-- A domain, like job_queue: checked when a value is assigned, not on every update of the row.
create domain job_concurrency_key as text check (char_length(value) between 1 and 200);
alter table jobs add column concurrency_key job_concurrency_key;

-- Keyed jobs still to run or running, per queue and key. Serves "does this queue hold keyed jobs?"
-- (prefix queue) and "live leases of this key" (queue, key, 'processing', expiry >= now, stopped after K
-- entries). Only keyed jobs are in it: queues without keys write nothing here.
create index jobs_concurrency_key_idx on jobs (queue, concurrency_key, status, lease_expires_at)
  where concurrency_key is not null and status in ('pending', 'retrying', 'processing');
