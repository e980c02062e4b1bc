import { Schema } from "effect"
import { IntBetween, JobType, JsonValue, MaxAttempts, QueueName, UtcTimestamp, opt } from "./fields.ts"

/** Schedule names are `[a-z0-9_.:-]{1,128}`. */
export const ScheduleName = Schema.String.check(Schema.isPattern(/^[a-z0-9_.:-]{1,128}$/u))
/** Ticks a backfill may enqueue at once. */
const BackfillLimit = IntBetween(1, 1000)
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
  backfill_limit: opt(BackfillLimit)
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
  backfill_limit: opt(BackfillLimit)
})
export type UpdateScheduleRequest = typeof UpdateScheduleRequest.Type

export const ScheduleSchema = Schema.Struct({
  name: ScheduleName,
  cron: Schema.String,
  timezone: Schema.String,
  queue: QueueName,
  type: JobType,
  payload: JsonValue,
  max_attempts: MaxAttempts,
  enabled: Schema.Boolean,
  misfire_policy: MisfirePolicy,
  backfill_limit: BackfillLimit,
  next_run_at: Schema.NullOr(UtcTimestamp),
  last_run_at: Schema.NullOr(UtcTimestamp),
  created_at: UtcTimestamp,
  updated_at: UtcTimestamp
}).annotate({ identifier: "Schedule" })
export type Schedule = typeof ScheduleSchema.Type
export const ScheduleResponse = Schema.Struct({ schedule: ScheduleSchema })
export const ListSchedulesResponse = Schema.Struct({ schedules: Schema.Array(ScheduleSchema) })
export const SchedulePreviewResponse = Schema.Struct({ fire_times: Schema.Array(UtcTimestamp) })

/** Fire times a preview answers by default, and at most: enough to eyeball a schedule, small enough to answer at once. */
export const PREVIEW_DEFAULT = 5
export const PREVIEW_MAX = 100
/** `GET /schedules/{name}/preview` query: `count` 1..100 (a query string, parsed to an integer). */
export const SchedulePreviewQuery = Schema.Struct({
  count: Schema.optional(Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: PREVIEW_MAX })))
})
