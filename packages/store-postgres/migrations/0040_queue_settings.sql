-- Queue settings (SPEC "Queues and flow control"). Queues still need no creation: a queue has a row
-- here only once someone paused it or set a limit, and the row survives its jobs being pruned.
--
-- Exactness across masters: a lease on a controlled queue (paused, or with any limit) first locks this
-- row FOR UPDATE in its own transaction, then counts live leases and leases within the room left, in a
-- later statement of that transaction (a fresh snapshot that sees every lease committed before the
-- lock was granted). Leases on one controlled queue are therefore serialized, which is what makes the
-- limit exact; queues without a row never take that path.
--
-- rate_limit is a FIXED window: window_start is the start of the current window (epoch aligned to
-- period_ms) and window_count the leases granted in it; completions do not refill it.
create table queue_settings (
  name text primary key,
  paused boolean not null default false,
  max_concurrency int,
  rate_limit int,
  rate_period_ms int,
  key_concurrency int,
  window_start timestamptz,
  window_count int not null default 0,
  updated_at timestamptz not null default now(),
  constraint queue_settings_name check (name ~ '^[a-z0-9_.-]{1,64}$'),
  constraint queue_settings_max_concurrency check (max_concurrency between 1 and 100000),
  constraint queue_settings_key_concurrency check (key_concurrency between 1 and 100000),
  constraint queue_settings_rate_limit check (rate_limit between 1 and 1000000),
  constraint queue_settings_rate_period check (rate_period_ms between 1 and 86400000),
  constraint queue_settings_rate_pair check ((rate_limit is null) = (rate_period_ms is null))
);
