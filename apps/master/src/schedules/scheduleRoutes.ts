import type postgres from "postgres"
import { Hono, type Context } from "hono"
import { CreateScheduleRequest, MAX_PAYLOAD_BYTES, PREVIEW_DEFAULT, SchedulePreviewQuery, UpdateScheduleRequest } from "@leasehold/contracts"
import { storeError } from "@leasehold/core"
import {
  scheduleDelete,
  scheduleGet,
  scheduleInsert,
  scheduleList,
  scheduleToWire,
  scheduleUpdateWith,
  utcTimestamp,
  type ScheduleFields,
  type ScheduleRow
} from "@leasehold/store-postgres/schedules"
import { nextTickAfter, nextTicks, parseCron } from "./cronSpec.ts"
import { textProblem, readJson } from "../http/validate.ts"
import { decodeRequest } from "./decodeRequest.ts"

/** Defaults of a new schedule (SPEC: timezone UTC, queue default, max_attempts 3; misfire skip). */
const DEFAULTS = { timezone: "UTC", queue: "default", max_attempts: 3, misfire_policy: "skip", backfill_limit: 10 } as const

const checkPayload = (payload: unknown) => {
  if (payload !== undefined && payload !== null && Buffer.byteLength(JSON.stringify(payload)) > MAX_PAYLOAD_BYTES) {
    throw storeError("PayloadTooLarge", `payload exceeds ${MAX_PAYLOAD_BYTES} bytes`)
  }
}

/** The `{name}` path segment; text the database cannot store is a 400, not a driver error. */
const nameParam = (c: Context): string => {
  const name = c.req.param("name") ?? ""
  const problem = textProblem(name)
  if (problem) throw storeError("Validation", `invalid path: the schedule name ${problem}`)
  return name
}

/** Recomputes a schedule's next run from its cron, zone and enabled flag (validating the first two). */
const withNextRun = (fields: Omit<ScheduleFields, "next_run_at">, now: Date): ScheduleFields => {
  const spec = parseCron(fields.cron, fields.timezone)
  return {
    ...fields,
    cron: spec.expression,
    timezone: spec.timezone,
    next_run_at: fields.enabled ? nextTickAfter(spec, now) : null
  }
}

const fieldsOf = (row: ScheduleRow): Omit<ScheduleFields, "next_run_at"> => ({
  cron: row.cron,
  timezone: row.timezone,
  queue: row.queue,
  type: row.type,
  payload: row.payload,
  max_attempts: row.max_attempts,
  enabled: row.enabled,
  misfire_policy: row.misfire_policy,
  backfill_limit: row.backfill_limit
})

/** The `/schedules` routes, relative to where they are mounted; every failure is a thrown StoreError. */
export const makeScheduleRoutes = (deps: { readonly sql: postgres.Sql; readonly now: () => Date }): Hono => {
  const { sql } = deps
  const app = new Hono()
  const reply = (row: ScheduleRow) => ({ schedule: scheduleToWire(row) })

  app.get("/", async (c) => c.json({ schedules: (await scheduleList(sql)).map(scheduleToWire) }))

  app.post("/", async (c) => {
    const body = decodeRequest(CreateScheduleRequest, await readJson(c))
    checkPayload(body.payload)
    const now = deps.now()
    const fields = withNextRun(
      {
        cron: body.cron,
        timezone: body.timezone ?? DEFAULTS.timezone,
        queue: body.queue ?? DEFAULTS.queue,
        type: body.type,
        payload: body.payload ?? null,
        max_attempts: body.max_attempts ?? DEFAULTS.max_attempts,
        enabled: body.enabled ?? true,
        misfire_policy: body.misfire_policy ?? DEFAULTS.misfire_policy,
        backfill_limit: body.backfill_limit ?? DEFAULTS.backfill_limit
      },
      now
    )
    return c.json(reply(await scheduleInsert(sql, { name: body.name, fields, now })), 201)
  })

  app.get("/:name", async (c) => c.json(reply(await scheduleGet(sql, { name: nameParam(c) }))))

  app.patch("/:name", async (c) => {
    const raw = await readJson(c)
    const patch = decodeRequest(UpdateScheduleRequest, raw)
    const rename = (raw as { name?: unknown }).name
    if (rename !== undefined && rename !== null && rename !== nameParam(c))
      throw storeError("Validation", "a schedule's name cannot be changed: create a new schedule and delete this one")
    checkPayload(patch.payload)
    const now = deps.now()
    const row = await scheduleUpdateWith(sql, {
      name: nameParam(c),
      now,
      change: (current) => {
        const merged = { ...fieldsOf(current) } as { -readonly [K in keyof ScheduleFields]: ScheduleFields[K] }
        for (const [key, value] of Object.entries(patch)) {
          if (value !== undefined && value !== null) (merged as Record<string, unknown>)[key] = value
        }
        return withNextRun(merged, now)
      }
    })
    return c.json(reply(row))
  })

  app.delete("/:name", async (c) => {
    await scheduleDelete(sql, { name: nameParam(c) })
    return c.body(null, 204)
  })

  app.post("/:name/pause", async (c) => {
    const now = deps.now()
    const row = await scheduleUpdateWith(sql, {
      name: nameParam(c),
      now,
      change: (current) => ({ ...fieldsOf(current), enabled: false, next_run_at: null })
    })
    return c.json(reply(row))
  })

  app.post("/:name/resume", async (c) => {
    const now = deps.now()
    const row = await scheduleUpdateWith(sql, {
      name: nameParam(c),
      now,
      change: (current) =>
        current.enabled ? { ...fieldsOf(current), next_run_at: current.next_run_at } : withNextRun({ ...fieldsOf(current), enabled: true }, now)
    })
    return c.json(reply(row))
  })

  app.get("/:name/preview", async (c) => {
    const query = decodeRequest(SchedulePreviewQuery, c.req.query())
    const row = await scheduleGet(sql, { name: nameParam(c) })
    const spec = parseCron(row.cron, row.timezone)
    const fireTimes = nextTicks(spec, deps.now(), query.count ?? PREVIEW_DEFAULT).map(utcTimestamp)
    return c.json({ fire_times: fireTimes })
  })

  return app
}
