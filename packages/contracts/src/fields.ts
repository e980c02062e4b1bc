import { Schema } from "effect"

/** An optional wire field: absent, `undefined` or `null` all mean "not given" (SPEC: null means absent). */
export const opt = <S extends Schema.Top>(schema: S) => Schema.optional(Schema.NullOr(schema))

/**
 * A whole number, safe or not: unlike `Schema.isInt` (safe integers only) it accepts 2^53, the
 * largest scan bound, which a double holds exactly. Callers bound it; every bound used is <= 2^53.
 */
export const isWhole = Schema.makeFilter<number>((n) => Number.isInteger(n), {
  expected: "an integer",
  toJsonSchema: () => ({ type: "integer" })
})

/**
 * Integer within inclusive bounds; every bound violation is a 400 before anything happens. Built on
 * `Finite` (not `Number`, whose JSON codec admits "Infinity" and drops the checks from the JSON Schema)
 * so the OpenAPI document says `integer` with both bounds.
 */
export const IntBetween = (minimum: number, maximum: number) =>
  Schema.Finite.check(isWhole, Schema.isBetween({ minimum, maximum }))

/** A count: an integer >= 0. */
export const Count = IntBetween(0, Number.MAX_SAFE_INTEGER)

/** A database id (jobs, workflows): an integer >= 1, a JSON number on the wire. */
export const Id = IntBetween(1, Number.MAX_SAFE_INTEGER)

/** Queue names are `[a-z0-9_.-]{1,64}`; any well-formed name is a queue. (The `u` flag lets the pattern reach the OpenAPI document.) */
export const QueueName = Schema.String.check(Schema.isPattern(/^[a-z0-9_.-]{1,64}$/u))

/** Job type (the handler name), 1..200 chars. */
export const JobType = Schema.String.check(Schema.isBetweenLength(1, 200))

/** A job's concurrency key: jobs of one queue sharing it run at most `key_concurrency` at a time. */
export const ConcurrencyKey = Schema.String.check(Schema.isBetweenLength(1, 200))

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/
/** The earliest and latest instants a client timestamp may name (years 0001..9999 UTC, as RFC 3339 writes them). */
export const TIMESTAMP_MIN_MS = -62135596800000
export const TIMESTAMP_MAX_MS = 253402300799999

/**
 * Why an RFC 3339 text is not a real instant in range, or undefined when it is. `Date.parse` rolls
 * 2020-02-30 over to March 1st, so the date and time fields are checked against the calendar first.
 */
export const rfc3339Problem = (s: string): string | undefined => {
  const m = RFC3339.exec(s)
  if (!m) return "expected an RFC 3339 timestamp such as 2030-01-01T10:00:00Z"
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number]
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : [31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0
  if (year < 1 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return `${s} is not a date on the calendar`
  if (m[9] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return `${s} has an impossible UTC offset`
  const ms = Date.parse(s.replace(" ", "T"))
  if (Number.isNaN(ms)) return `${s} is not a valid timestamp`
  if (ms < TIMESTAMP_MIN_MS || ms > TIMESTAMP_MAX_MS) return `${s} is outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z`
  return undefined
}

/** RFC 3339 timestamp with any offset, as accepted from clients: a real calendar instant in years 0001..9999. */
export const Rfc3339 = Schema.String.annotate({ format: "date-time" }).check(Schema.makeFilter<string>((s) => rfc3339Problem(s) ?? true, { expected: "an RFC 3339 timestamp" }))

/** Text that is not only whitespace (worker ids). */
export const isNotBlank = Schema.makeFilter<string>((s) => /\S/.test(s) || "must not be blank (only whitespace)", { expected: "a non-blank string" })

/** A UTC timestamp as we emit it: RFC 3339 with `Z`. */
export const UtcTimestamp = Schema.String.annotate({ format: "date-time" })

/** Any JSON value. */
export const JsonValue = Schema.Unknown

/** Priority -1000..1000, higher leases first. */
export const Priority = IntBetween(-1000, 1000)

/** max_attempts 1..100. */
export const MaxAttempts = IntBetween(1, 100)
