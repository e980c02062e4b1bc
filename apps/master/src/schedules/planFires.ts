import type { FirePlan, ScheduleRow } from "@leasehold/store-postgres/schedules"
import { firstTickAtOrAfter, nextTickAfter, parseCron, previousTicks, type CronSpec } from "./cronSpec.ts"

/**
 * A tick this late or less is fired as on time, whatever the misfire policy: a master restart,
 * a GC pause or a slow loop must not drop a tick. Later ticks count as missed (masters were down).
 */
export const MISFIRE_GRACE_MS = 60_000

/** Bounds the work for one due schedule (a per-second cron after a long outage). */
const MAX_TICKS_PER_PASS = 1000

const ticksBetween = (spec: CronSpec, from: Date | null, through: Date, limit: number): Array<Date> => {
  const out: Array<Date> = []
  for (let t = from; t !== null && t <= through && out.length < limit; t = nextTickAfter(spec, t)) out.push(t)
  return out
}

/**
 * Decides which ticks of a due schedule fire now. Ticks within the grace period always fire;
 * missed ticks (older) follow the schedule's policy: `skip` drops them, `fire_once` fires the
 * latest one once (recording how many were missed), `backfill` fires the latest `backfill_limit`.
 * The next run is the first tick after `now`.
 */
export const planFires = (row: ScheduleRow, now: Date): FirePlan => {
  const spec = parseCron(row.cron, row.timezone)
  const next = row.next_run_at ?? now
  const cutoff = new Date(now.getTime() - MISFIRE_GRACE_MS)
  const onTimeFrom = next >= cutoff ? next : firstTickAtOrAfter(spec, cutoff)
  const onTime = ticksBetween(spec, onTimeFrom, now, MAX_TICKS_PER_PASS).map((tickAt) => ({ tickAt, missedTicks: 0 }))
  const missed: Array<{ tickAt: Date; missedTicks: number }> = []
  if (next < cutoff && row.misfire_policy !== "skip") {
    const limit = row.misfire_policy === "fire_once" ? 1 : row.backfill_limit
    const latest = previousTicks(spec, cutoff, limit).filter((t) => t >= next)
    if (row.misfire_policy === "fire_once" && latest[0] !== undefined) {
      missed.push({ tickAt: latest[0], missedTicks: ticksBetween(spec, next, latest[0], MAX_TICKS_PER_PASS).length })
    } else {
      missed.push(...latest.reverse().map((tickAt) => ({ tickAt, missedTicks: 0 })))
    }
  }
  return { fires: [...missed, ...onTime], nextRunAt: nextTickAfter(spec, now) }
}
