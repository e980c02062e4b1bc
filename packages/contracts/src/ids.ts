import { Schema } from "effect"

/** Job id: a positive integer assigned by the database, a JSON number on the wire. */
export const JobId = Schema.Number.check(Schema.isInt(), Schema.isGreaterThan(0)).pipe(Schema.brand("JobId"))
export type JobId = typeof JobId.Type

/** The fencing token of one lease; shown only in lease responses. */
export const LeaseToken = Schema.String.check(Schema.isBetweenLength(1, 200)).pipe(Schema.brand("LeaseToken"))
export type LeaseToken = typeof LeaseToken.Type

/** Who holds a lease: `hostname-pid-timestamp` by default. */
export const WorkerId = Schema.String.check(Schema.isBetweenLength(1, 200)).pipe(Schema.brand("WorkerId"))
export type WorkerId = typeof WorkerId.Type
