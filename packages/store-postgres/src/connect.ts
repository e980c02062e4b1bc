import postgres from "postgres"
import { registerArrayTypes } from "./arrayTypes.ts"
import { noDelaySocketFactory } from "./noDelaySocket.ts"
import { parseTimestamptz } from "./parseTimestamptz.ts"

/** Options of a store connection pool. */
export interface ConnectOptions {
  /** Pool size; default 10. */
  readonly max?: number
  /** Close idle connections after this many seconds; default 30. */
  readonly idleTimeoutSeconds?: number
  /** `application_name` shown in pg_stat_activity; default "leasehold". */
  readonly application?: string
  /** Extra startup parameters (e.g. `{ TimeZone: "America/New_York" }` in tests). */
  readonly connection?: Record<string, string>
  /**
   * Reuse one cached plan per prepared statement instead of re-planning each call (default true).
   * The store's statements are written to plan well without seeing their parameters (primary-key
   * lookups through `id = any(...)`, per-queue laterals); planning its lease statement costs more
   * CPU than executing it, which matters at thousands of leases per second on two cores.
   *
   * A generic plan is built once, from the table as it is at first use, and kept until the next
   * ANALYZE. Built on an empty table (a fresh database, the first minute of a burst before autovacuum
   * runs), it looks up ids by scanning the whole table: measured, 25 ms per lease of 64 with a
   * 40,000-job backlog, on every lease until autovacuum. So these connections also run with
   * `enable_seqscan = off`: every statement of the store is an index lookup or an index-ordered walk,
   * and the few that read a whole table (stats, prune) have no index alternative and still scan it.
   */
  readonly genericPlans?: boolean
  /**
   * `statement_timeout` of every statement on these connections, in ms (default: none). For the pool of
   * operator reads: a read that runs past it is cancelled (SQLSTATE 57014) and answers 503.
   */
  readonly statementTimeoutMs?: number
}

/**
 * Settings every store connection runs with, whatever the server's (startup parameters win over
 * postgresql.conf and ALTER DATABASE / ROLE ... SET). `jit = off`: most packaged servers (Debian,
 * Ubuntu, managed services) ship `jit = on`, and the lease and ack statements cross `jit_above_cost`
 * on a table of a few thousand rows; compiling them took 0.1-1.2 s per statement on a fresh connection,
 * where the statement itself runs in about a millisecond. No statement of the store is long enough to
 * gain from JIT.
 */
export const STORE_SESSION_SETTINGS = { jit: "off" } as const

/** bigint columns (ids, scan bounds) are below 2^53, so they are read as numbers, not strings. */
const int8AsNumber = {
  to: 20,
  from: [20],
  serialize: (x: number | bigint) => String(x),
  parse: (x: string) => Number(x)
}

/** timestamptz parsed without the engine's slow generic date parser (same Dates as the default). */
const timestamptzFast = {
  to: 1184,
  from: [1184],
  serialize: (x: Date | string | number) => (x instanceof Date ? x : new Date(x)).toISOString(),
  parse: parseTimestamptz
}

/**
 * Opens a postgres.js pool configured for the store: prepared statements, numeric bigints, quiet notices,
 * TCP_NODELAY, and no type-lookup query per connection (see `registerArrayTypes`).
 */
export const connect = (url: string, options: ConnectOptions = {}): postgres.Sql => {
  const sql = postgres(url, {
    max: options.max ?? 10,
    idle_timeout: options.idleTimeoutSeconds ?? 30,
    prepare: true,
    onnotice: () => {},
    connection: {
      application_name: options.application ?? "leasehold",
      ...STORE_SESSION_SETTINGS,
      ...(options.genericPlans === false ? {} : { plan_cache_mode: "force_generic_plan", enable_seqscan: "off" }),
      ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
      ...options.connection
    },
    types: { int8AsNumber, timestamptzFast },
    fetch_types: false,
    // postgres.js supports a socket factory but its typings omit the option.
    ...({ socket: noDelaySocketFactory() } as object)
  }) as unknown as postgres.Sql
  registerArrayTypes(sql.options as unknown as Parameters<typeof registerArrayTypes>[0])
  return sql
}
