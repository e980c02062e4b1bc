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

/** Integer within inclusive bounds; every bound violation is a 400 before anything happens. */
export const IntBetween = (minimum: number, maximum: number) =>
  Schema.Number.check(isWhole, Schema.isBetween({ minimum, maximum }))

/** Queue names are `[a-z0-9_.-]{1,64}`; any well-formed name is a queue. */
export const QueueName = Schema.String.check(Schema.isPattern(/^[a-z0-9_.-]{1,64}$/))

/** Job type (the handler name), 1..200 chars. */
export const JobType = Schema.String.check(Schema.isBetweenLength(1, 200))

/** RFC 3339 timestamp with any offset, as accepted from clients. */
export const Rfc3339 = Schema.String.check(
  Schema.isPattern(/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/),
  Schema.makeFilter<string>((s) => !Number.isNaN(Date.parse(s)) || "invalid date")
)

/** A UTC timestamp as we emit it: RFC 3339 with `Z`. */
export const UtcTimestamp = Schema.String

/** Any JSON value. */
export const JsonValue = Schema.Unknown

/** Priority -1000..1000, higher leases first. */
export const Priority = IntBetween(-1000, 1000)

/** max_attempts 1..100. */
export const MaxAttempts = IntBetween(1, 100)
