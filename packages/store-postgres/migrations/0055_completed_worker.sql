-- The worker whose complete took a job. A repeat complete is idempotent only for the same token AND
-- the same worker id; the right token with another worker id is lease_lost, like every other mismatch
-- (worker_id itself is cleared on completion). Nullable, no default: adding it rewrites nothing.
alter table jobs add column completed_worker text;
alter table jobs add constraint jobs_completed_worker_only_when_completed check (completed_worker is null or status = 'completed');
