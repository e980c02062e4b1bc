-- A lease's duration is no longer written: it is lease_expires_at - updated_at (lease and renew set both
-- from one instant, and nothing else writes a processing row), so lease and renew leave lease_seconds
-- null. Eight bytes less in the WAL record of every lease (the record logs the bytes between the first
-- and last column the update changes). The invariant of processing rows stops asking for it.
alter table jobs drop constraint jobs_processing_holds_lease;
alter table jobs add constraint jobs_processing_holds_lease check (
  status <> 'processing'
  or (worker_id is not null and lease_token is not null and lease_expires_at is not null and leased_at is not null)
);
