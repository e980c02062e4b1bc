-- Workers that called in; in-flight counts come from the jobs they hold.
create table workers (
  worker_id    text primary key,
  last_seen_at timestamptz not null
);
