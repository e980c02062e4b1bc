import { Command, Option } from "commander"
import { ListSchedulesResponse, Routes, SchedulePreviewResponse, ScheduleResponse } from "@leasehold/contracts"
import { defined, intOption, jsonOption, UsageError, type CommandContext } from "../CliContext.ts"
import { relative } from "../format.ts"
import { scheduleDetails, schedulesTable } from "../render.ts"

const MISFIRE = ["skip", "fire_once", "backfill"]

/** The options create and update share; update makes every one optional. */
const scheduleOptions = (cmd: Command, creating: boolean) =>
  cmd
    .addOption(new Option("--cron <expr>", "cron: 5 fields, or 6 with seconds first").makeOptionMandatory(creating))
    .addOption(new Option("--type <type>", "job type to enqueue on each tick").makeOptionMandatory(creating))
    .option("--timezone <iana>", "IANA time zone (default UTC)")
    .option("--queue <queue>", "queue of the jobs (default: default)")
    .option("--payload <json>", "payload of each job, as JSON", jsonOption)
    .option("--max-attempts <n>", "max attempts of each job (1..100)", intOption(1, 100))
    .addOption(new Option("--misfire-policy <policy>", "ticks missed while no master ran").choices(MISFIRE))
    .option("--backfill-limit <n>", "with backfill: at most this many missed ticks (1..1000)", intOption(1, 1000))

type ScheduleFlags = {
  cron?: string
  type?: string
  timezone?: string
  queue?: string
  payload?: unknown
  maxAttempts?: number
  misfirePolicy?: string
  backfillLimit?: number
  enabled?: boolean
  disabled?: boolean
}

const body = (o: ScheduleFlags) =>
  defined({
    cron: o.cron,
    type: o.type,
    timezone: o.timezone,
    queue: o.queue,
    payload: o.payload,
    max_attempts: o.maxAttempts,
    misfire_policy: o.misfirePolicy,
    backfill_limit: o.backfillLimit,
    enabled: o.disabled ? false : o.enabled ? true : undefined
  })

/** `leasehold schedules list|get|create|update|pause|resume|delete|preview`. */
export const schedulesCommand = (ctx: CommandContext): Command => {
  const schedules = new Command("schedules").description("cron schedules that enqueue a job on every tick")
  const show = (res: { schedule: Parameters<typeof scheduleDetails>[0] }) => ctx.print(() => scheduleDetails(res.schedule), res)

  schedules
    .command("list")
    .description("list schedules")
    .action(async () => {
      const res = await ctx.client().get(ListSchedulesResponse, Routes.schedules)
      ctx.print(() => schedulesTable(res.schedules), res)
    })

  schedules
    .command("get")
    .description("show one schedule")
    .argument("<name>")
    .action(async (name: string) => show(await ctx.client().get(ScheduleResponse, Routes.schedule(name))))

  scheduleOptions(schedules.command("create").description("create a schedule").argument("<name>"), true)
    .option("--disabled", "create it paused")
    .action(async (name: string, o: ScheduleFlags) => {
      show(await ctx.client().send(ScheduleResponse, "POST", Routes.schedules, { name, ...body(o) }))
    })

  scheduleOptions(schedules.command("update").description("change any field (next run is recomputed)").argument("<name>"), false)
    .option("--enabled", "enable (same as resume)")
    .option("--disabled", "disable (same as pause)")
    .action(async (name: string, o: ScheduleFlags) => {
      if (o.enabled && o.disabled) throw new UsageError("--enabled and --disabled contradict each other")
      const patch = body(o)
      if (Object.keys(patch).length === 0) throw new UsageError("nothing to update: give at least one option")
      show(await ctx.client().send(ScheduleResponse, "PATCH", Routes.schedule(name), patch))
    })

  for (const action of ["pause", "resume"] as const) {
    schedules
      .command(action)
      .description(action === "pause" ? "stop firing (next run cleared)" : "fire again from the next tick")
      .argument("<name>")
      .action(async (name: string) => show(await ctx.client().send(ScheduleResponse, "POST", `${Routes.schedule(name)}/${action}`)))
  }

  schedules
    .command("delete")
    .description("delete a schedule")
    .argument("<name>")
    .action(async (name: string) => {
      await ctx.client().remove(Routes.schedule(name))
      ctx.print(() => `deleted schedule ${name}`, { deleted: name })
    })

  schedules
    .command("preview")
    .description("the next fire times")
    .argument("<name>")
    .option("--count <n>", "how many (1..100)", intOption(1, 100), 5)
    .action(async (name: string, o: { count: number }) => {
      const res = await ctx.client().get(SchedulePreviewResponse, `${Routes.schedule(name)}/preview`, { count: o.count })
      ctx.print(() => res.fire_times.map((t) => `${t}  (${relative(t)})`).join("\n") || "(none)", res)
    })
  return schedules
}
