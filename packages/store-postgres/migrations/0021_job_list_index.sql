-- GET /jobs under any filter answers from one index, whatever the table holds. The list is by id;
-- a filter on queue, type or status (any combination) walks, for each (queue, type, status) it can
-- match, one range of this index in id order (the pairs come from job_kinds, migration 0020, the
-- statuses from the enum) and merges the walks: each reads at most one page of entries, so a rare
-- value costs what a common one costs (before: 0.5 s at 2 M rows to find 50 failed jobs by walking
-- the primary key). Processing jobs are left out: the list reads them from jobs_processing_idx
-- (in-flight jobs only), and a lease, which makes a job processing, adds no entry here. An enqueue
-- adds one entry, an ack one (the update is not HOT anyway: status sits in partial-index predicates).
create index jobs_list_idx on jobs (queue, type, status, id) where status <> 'processing';
