import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { StoreError } from "@leasehold/core"
import { adminUrl, withDatabase } from "@leasehold/tooling"
import { connect } from "./connect.ts"
import { migrate } from "./migrate.ts"
import { makePgJobStore } from "./PgJobStore.ts"

/**
 * The store's connections never JIT-compile, whatever the server says. The embedded PostgreSQL from npm
 * is built without JIT, so this runs on a JIT-capable server: the harness's when it has JIT, else this
 * machine's (JIT_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres). The test database is
 * set up to JIT everything (`ALTER DATABASE ... SET jit = on, jit_above_cost = 0`), a plain connection
 * shows that it does, and the store's pool must show that it does not.
 */
const MACHINE_URL = process.env.JIT_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
const ROWS = 20_000

const jitCapable = async (url: string): Promise<boolean> => {
  const probe = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 3 })
  try {
    const [row] = await probe<{ ok: boolean }[]>`select pg_jit_available() as ok`
    return row?.ok === true
  } catch {
    return false
  } finally {
    await probe.end({ timeout: 1 })
  }
}

const pickServer = async (): Promise<string | null> => {
  for (const url of [adminUrl(), MACHINE_URL]) if (await jitCapable(url)) return url
  return null
}

const server = await pickServer()
if (server === null) console.warn(`[noJit] SKIPPED: no JIT-capable PostgreSQL reachable (tried the test harness's server and ${MACHINE_URL}; set JIT_DATABASE_URL)`)

/** Statement texts and parameters the store sent, captured from a traced pool. */
interface Sent {
  readonly text: string
  readonly params: ReadonlyArray<unknown>
}

/** True when EXPLAIN (ANALYZE, FORMAT JSON) reports a JIT section (functions compiled). */
const usedJit = (plan: unknown): boolean => {
  const top = (plan as Array<Record<string, unknown>>)[0]!
  const jit = top["JIT"] as { Functions?: number } | undefined
  return jit !== undefined && (jit.Functions ?? 0) > 0
}

describe.skipIf(server === null)("no JIT on the store's connections", () => {
  const name = `lh_nojit_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`
  let admin: postgres.Sql
  let url: string
  let pool: postgres.Sql
  let plain: postgres.Sql
  const sent: Sent[] = []

  beforeAll(async () => {
    admin = postgres(server!, { max: 1, onnotice: () => {} })
    await admin.unsafe(`create database "${name}"`)
    await admin.unsafe(`alter database "${name}" set jit = on`)
    await admin.unsafe(`alter database "${name}" set jit_above_cost = 0`)
    await admin.unsafe(`alter database "${name}" set jit_inline_above_cost = 0`)
    await admin.unsafe(`alter database "${name}" set jit_optimize_above_cost = 0`)
    url = withDatabase(server!, name)
    pool = connect(url, { max: 2 })
    plain = postgres(url, { max: 1, onnotice: () => {} })
    await migrate(pool)
    const store = makePgJobStore({ sql: pool })
    for (let i = 0; i < ROWS; i += 10_000) {
      await Effect.runPromise(store.jobEnqueueMany({ jobs: Array.from({ length: 10_000 }, (_, k) => ({ type: "t", queue: "jit", payload: { i: i + k } })) }))
    }
    await pool`analyze jobs`
    // Capture the hot statements as the store sends them (a traced pool with the same code path).
    const traced = postgres(url, { max: 1, onnotice: () => {}, debug: (_c, text, params) => void sent.push({ text, params }) })
    try {
      const store = makePgJobStore({ sql: traced })
      const go = <A>(e: Effect.Effect<A, StoreError>) => Effect.runPromise(e)
      const leased = await go(store.jobLeaseAcquire({ workerId: "w", queues: ["jit"], maxJobs: 100, leaseSeconds: 60 }))
      await go(store.leaseAckMany({ workerId: "w", items: leased.map((j) => ({ jobId: j.id, leaseToken: j.lease_token, outcome: "completed" as const })) }))
    } finally {
      await traced.end()
    }
  }, 120_000)

  afterAll(async () => {
    await pool?.end({ timeout: 5 })
    await plain?.end({ timeout: 5 })
    await admin?.unsafe(`drop database if exists "${name}" with (force)`)
    await admin?.end()
  })

  const hot = () => {
    const lease = sent.find((s) => s.text.includes("leasehold_carve"))
    const ack = sent.find((s) => s.text.includes("completed_token = j.lease_token"))
    expect(lease, "lease statement captured").toBeDefined()
    expect(ack, "ack statement captured").toBeDefined()
    return [lease!, ack!]
  }
  /** EXPLAIN (ANALYZE) runs the statement: it does so in a transaction that is rolled back. */
  const explain = async (sql: postgres.Sql, s: Sent): Promise<unknown> => {
    const rollback = new Error("rollback")
    let plan: unknown
    await sql
      .begin(async (tx) => {
        const rows = await tx.unsafe(`explain (analyze, format json) ${s.text}`, s.params as never[])
        plan = (rows[0] as Record<string, unknown>)["QUERY PLAN"]
        throw rollback
      })
      .catch((e: unknown) => {
        if (e !== rollback) throw e
      })
    return plan
  }

  it("a plain connection to this database does JIT-compile the hot statements (the check can fail)", async () => {
    expect((await plain<{ jit: string }[]>`show jit`)[0]!.jit).toBe("on")
    for (const s of hot()) expect(usedJit(await explain(plain, s))).toBe(true)
  })

  it("every connection of the store's pool runs with jit off, and no hot statement compiles", async () => {
    // Concurrent sleepers spread over both connections of the pool (not sql.reserve(): see pipelinedTransaction.ts).
    const seen = await Promise.all(
      [0, 1, 2, 3].map(() => pool<{ pid: number; jit: string }[]>`select pg_backend_pid() as pid, current_setting('jit') as jit, pg_sleep(0.2)`)
    )
    expect(new Set(seen.map((r) => r[0]!.pid)).size).toBe(2)
    expect(new Set(seen.map((r) => r[0]!.jit))).toEqual(new Set(["off"]))
    for (const s of hot()) expect(usedJit(await explain(pool, s))).toBe(false)
  })
})
