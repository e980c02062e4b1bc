import { Schema } from "effect"
import { JobType, JsonValue, MaxAttempts, QueueName, UtcTimestamp, opt } from "./fields.ts"

const ScheduleName = Schema.String.check(Schema.isPattern(/^[a-z0-9_.:-]{1,128}$/))
/** What to do with ticks missed while no master ran. */
export const MisfirePolicy = Schema.Literals(["skip", "fire_once", "backfill"])
export type MisfirePolicy = typeof MisfirePolicy.Type

/** `POST /schedules` body; cron and time zone are validated by the scheduler. */
export const CreateScheduleRequest = Schema.Struct({
  name: ScheduleName,
  cron: Schema.String.check(Schema.isBetweenLength(1, 200)),
  timezone: opt(Schema.String.check(Schema.isBetweenLength(1, 100))),
  queue: opt(QueueName),
  type: JobType,
  payload: opt(JsonValue),
  max_attempts: opt(MaxAttempts),
  enabled: opt(Schema.Boolean),
  misfire_policy: opt(MisfirePolicy),
  backfill_limit: opt(Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 1000 })))
})
export type CreateScheduleRequest = typeof CreateScheduleRequest.Type

/** `PATCH /schedules/{name}` body: any field but the name. */
export const UpdateScheduleRequest = Schema.Struct({
  cron: opt(Schema.String.check(Schema.isBetweenLength(1, 200))),
  timezone: opt(Schema.String.check(Schema.isBetweenLength(1, 100))),
  queue: opt(QueueName),
  type: opt(JobType),
  payload: opt(JsonValue),
  max_attempts: opt(MaxAttempts),
  enabled: opt(Schema.Boolean),
  misfire_policy: opt(MisfirePolicy),
  backfill_limit: opt(Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 1000 })))
})
export type UpdateScheduleRequest = typeof UpdateScheduleRequest.Type

export const ScheduleSchema = Schema.Struct({
  name: Schema.String,
  cron: Schema.String,
  timezone: Schema.String,
  queue: Schema.String,
  type: Schema.String,
  payload: JsonValue,
  max_attempts: Schema.Number,
  enabled: Schema.Boolean,
  misfire_policy: MisfirePolicy,
  backfill_limit: Schema.Number,
  next_run_at: Schema.NullOr(UtcTimestamp),
  last_run_at: Schema.NullOr(UtcTimestamp),
  created_at: UtcTimestamp,
  updated_at: UtcTimestamp
})
export type Schedule = typeof ScheduleSchema.Type
export const ScheduleResponse = Schema.Struct({ schedule: ScheduleSchema })
export const ListSchedulesResponse = Schema.Struct({ schedules: Schema.Array(ScheduleSchema) })
export const SchedulePreviewResponse = Schema.Struct({ fire_times: Schema.Array(UtcTimestamp) })
