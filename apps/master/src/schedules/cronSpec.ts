import { Cron } from "croner"
import { storeError } from "@leasehold/core"

/** A validated cron expression bound to its IANA time zone. */
export interface CronSpec {
  readonly expression: string
  readonly timezone: string
  readonly cron: Cron
}

/** The time zone's canonical IANA name, or a Validation error for a zone the runtime does not know. */
export const canonicalTimezone = (timezone: string): string => {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: timezone }).resolvedOptions().timeZone
  } catch {
    throw storeError("Validation", `unknown time zone '${timezone}' (use an IANA name such as 'Europe/Berlin')`, {
      field: "timezone"
    })
  }
}

/**
 * Parses a 5-field (minute first) or 6-field (second first) cron expression in `timezone`;
 * anything else, or an expression that never fires, is a Validation error.
 */
export const parseCron = (expression: string, timezone: string): CronSpec => {
  const zone = canonicalTimezone(timezone)
  const fields = expression.trim().split(/\s+/)
  if (fields.length !== 5 && fields.length !== 6) {
    throw storeError("Validation", `invalid cron expression '${expression}': expected 5 or 6 fields, got ${fields.length}`, {
      field: "cron"
    })
  }
  let cron: Cron
  try {
    cron = new Cron(fields.join(" "), { timezone: zone, paused: true, mode: "5-or-6-parts" })
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.replace(/^CronPattern: /, "") : String(cause)
    throw storeError("Validation", `invalid cron expression '${expression}': ${reason}`, { field: "cron" })
  }
  if (cron.nextRun(new Date()) === null) {
    throw storeError("Validation", `cron expression '${expression}' never fires`, { field: "cron" })
  }
  return { expression: fields.join(" "), timezone: zone, cron }
}

/** The first tick strictly after `after`, or null when the expression has no more. */
export const nextTickAfter = (spec: CronSpec, after: Date): Date | null => spec.cron.nextRun(after)

/** The first tick at or after `at` (ticks are whole seconds). */
export const firstTickAtOrAfter = (spec: CronSpec, at: Date): Date | null =>
  spec.cron.nextRun(new Date(Math.ceil(at.getTime() / 1000) * 1000 - 1000))

/** The next `count` ticks strictly after `after`. */
export const nextTicks = (spec: CronSpec, after: Date, count: number): ReadonlyArray<Date> => spec.cron.nextRuns(count, after)

/** Up to `count` ticks strictly before `before`, most recent first. */
export const previousTicks = (spec: CronSpec, before: Date, count: number): ReadonlyArray<Date> =>
  spec.cron.previousRuns(count, before)
