-- Cron schedules and their fire ledger (one row per fired tick).
CREATE TABLE schedules (
  name            text PRIMARY KEY CHECK (name ~ '^[a-z0-9_.:-]{1,128}$'),
  cron            text NOT NULL,
  timezone        text NOT NULL DEFAULT 'UTC',
  queue           text NOT NULL DEFAULT 'default' CHECK (queue ~ '^[a-z0-9_.-]{1,64}$'),
  type            text NOT NULL CHECK (length(type) BETWEEN 1 AND 200),
  payload         jsonb,
  max_attempts    integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 100),
  enabled         boolean NOT NULL DEFAULT true,
  misfire_policy  text NOT NULL DEFAULT 'skip' CHECK (misfire_policy IN ('skip', 'fire_once', 'backfill')),
  backfill_limit  integer NOT NULL DEFAULT 10 CHECK (backfill_limit BETWEEN 1 AND 1000),
  next_run_at     timestamptz,
  last_run_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT schedules_paused_has_no_next_run CHECK (enabled OR next_run_at IS NULL)
);

CREATE INDEX schedules_due_idx ON schedules (next_run_at) WHERE enabled;

-- The fire ledger: the primary key (schedule, tick_at) makes each tick fire at most once, whatever
-- the number of masters. The job spec is captured at fire time; job_id is set once the job exists
-- (a row without one is an outbox entry the scheduler loop enqueues, idempotently, on its next pass).
CREATE TABLE schedule_fires (
  schedule         text NOT NULL REFERENCES schedules (name) ON DELETE CASCADE ON UPDATE CASCADE,
  tick_at          timestamptz NOT NULL,
  fired_at         timestamptz NOT NULL,
  missed_ticks     integer NOT NULL DEFAULT 0 CHECK (missed_ticks >= 0),
  queue            text NOT NULL,
  type             text NOT NULL,
  payload          jsonb,
  max_attempts     integer NOT NULL,
  idempotency_key  text NOT NULL,
  job_id           bigint,
  enqueued_at      timestamptz,
  PRIMARY KEY (schedule, tick_at)
);

CREATE INDEX schedule_fires_unenqueued_idx ON schedule_fires (fired_at) WHERE job_id IS NULL;
CREATE INDEX schedule_fires_tick_idx ON schedule_fires (tick_at);
