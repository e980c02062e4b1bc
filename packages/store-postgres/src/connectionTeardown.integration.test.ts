import { connect as netConnect, type Socket } from "node:net"
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { setupStore, type TestStore } from "./testing/index.ts"

/**
 * postgres.js 3.4.9 when a connection closes under it, as patched (patches/postgres@3.4.9.patch). Seen
 * as a master whose `/readyz` hung behind a resetting proxy (apps/master connectionReset test, under load):
 * - a small write is deferred to a setImmediate; a connection that closed while one was pending cleared
 *   the timer but kept it (and the bytes), so no later write of it was ever scheduled again, its next
 *   startup message included: every query given to it hung until the connect timeout, over and over;
 * - a reservation (`sql.reserve()`, `sql.begin()`) whose connection closed went on using that connection
 *   after the pool had taken it back: a transaction's next statement ran on it outside the transaction,
 *   and `release()` listed it as open while it was reconnecting for another query;
 * - a socket error (a reset) failed the queries in flight, and the close that follows failed none: a
 *   query the pool gave the connection between the two waited forever.
 */
let t: TestStore
beforeAll(async () => {
  t = await setupStore()
})
afterAll(async () => {
  await t?.close()
})

/** A one-connection pool whose sockets the test can reach; a connect timeout of 3 s bounds a hang. */
const pool = () => {
  const sockets: Socket[] = []
  const u = new URL(t.url)
  const sql = postgres(t.url, {
    max: 1,
    connect_timeout: 3,
    onnotice: () => {},
    ...({
      socket: () => {
        const s = netConnect({ host: u.hostname, port: Number(u.port) })
        sockets.push(s)
        return s
      }
    } as object)
  })
  return { sql, sockets }
}

/** Closes the connection's socket in the same turn as a query's write is deferred, before the write runs. */
const closeWhileWriting = (sql: postgres.Sql, socket: Socket) =>
  new Promise<unknown>((settled) =>
    setImmediate(() => {
      // The query's write is scheduled from within this check phase, so it runs in the next turn; the
      // socket's close callback runs at the end of this one, before it.
      sql`select 2`.then(settled, settled)
      socket.destroy()
    })
  )

describe("a connection closed while a write is pending", () => {
  it("reconnects and answers the next queries (x20)", async () => {
    const { sql, sockets } = pool()
    try {
      for (let round = 0; round < 20; round++) {
        expect(await sql`select 1 as one`).toEqual([{ one: 1 }])
        const first = await closeWhileWriting(sql, sockets.at(-1)!)
        expect(first).toBeInstanceOf(Error)
        const started = sockets.length
        // Unpatched, this waited for the connect timeout and failed with CONNECT_TIMEOUT.
        expect(await sql`select 3 as three`).toEqual([{ three: 3 }])
        expect(sockets.length).toBe(started + 1)
      }
    } finally {
      await sql.end({ timeout: 1 })
    }
  })
})

/** Destroys the socket and waits until postgres.js has seen it close. */
const kill = async (socket: Socket) => {
  const closed = new Promise((ok) => socket.once("close", ok))
  socket.destroy()
  await closed
  await new Promise((ok) => setImmediate(ok))
}

/** The pool still answers: sequential and concurrent queries, each with its own answer. */
const answers = async (sql: postgres.Sql) => {
  for (let i = 0; i < 20; i++) expect(await sql`select ${i}::int as i`).toEqual([{ i }])
  const many = await Promise.all(Array.from({ length: 20 }, (_, i) => sql`select ${i}::int as i, pg_sleep(0.001)`))
  expect(many.map((r) => r[0]!.i)).toEqual(Array.from({ length: 20 }, (_, i) => i))
}

describe("a connection reset between its error and its close", () => {
  it("fails the query given to it in between, and the next one reconnects (x20)", async () => {
    const { sql, sockets } = pool()
    try {
      for (let round = 0; round < 20; round++) {
        expect(await sql`select 1 as one`).toEqual([{ one: 1 }])
        const socket = sockets.at(-1)!
        // Runs right after postgres.js's own error listener, before the socket's close.
        const between = new Promise<unknown>((given) =>
          socket.once("error", () => given(sql`select 2 as two`.then((r) => r, (e: Error) => e)))
        )
        socket.destroy(new Error("simulated reset"))
        const answer = await Promise.race([between, new Promise((late) => setTimeout(() => late("still waiting after 5 s"), 5_000))])
        expect(answer).toBeInstanceOf(Error)
        expect((answer as Error).message).toMatch(/CONNECTION_CLOSED/)
        expect(await sql`select 3 as three`).toEqual([{ three: 3 }])
      }
    } finally {
      await sql.end({ timeout: 1 })
    }
  }, 60_000)
})

describe("a reservation whose connection closed", () => {
  it("sql.reserve(): later statements fail, and release() leaves the connection to the pool, which goes on answering", async () => {
    const { sql, sockets } = pool()
    try {
      await sql`create table if not exists teardown_reserve (n int)`
      const reserved = await sql.reserve()
      expect(await reserved`select 1 as one`).toEqual([{ one: 1 }])
      await kill(sockets.at(-1)!)
      // The pool reconnects the same connection for its own query...
      expect(await sql`select 2 as two`).toEqual([{ two: 2 }])
      // ...which the reservation must not use any more (unpatched, this insert ran on it, committed).
      await expect(reserved`insert into teardown_reserve values (1)`).rejects.toThrow(/CONNECTION_CLOSED|write/)
      reserved.release()
      await answers(sql)
      expect(await sql`select count(*)::int as n from teardown_reserve`).toEqual([{ n: 0 }])
    } finally {
      await sql.end({ timeout: 1 })
    }
  })

  it("sql.begin(): the transaction fails and none of its later statements runs, in it or outside it", async () => {
    const { sql, sockets } = pool()
    try {
      await sql`create table if not exists teardown_begin (n int)`
      let reconnected: Promise<unknown> | undefined
      let bodyEnded!: (how: string) => void
      const body = new Promise<string>((ok) => (bodyEnded = ok))
      const outcome = await sql
        .begin(async (tx) => {
          try {
            await tx`insert into teardown_begin values (1)`
            await kill(sockets.at(-1)!)
            // The pool reconnects the transaction's connection for its own query...
            reconnected = sql`select 2 as two`
            // ...which the transaction's next statement must not use.
            await tx`insert into teardown_begin values (2)`
            bodyEnded("ran to the end")
          } catch (e) {
            bodyEnded(`failed: ${(e as Error).message}`)
            throw e
          }
        })
        .then(() => "committed", (e: Error) => e.message)
      expect(outcome).toMatch(/CONNECTION_CLOSED|write/)
      expect(await body).toMatch(/^failed: .*(CONNECTION_CLOSED|write)/)
      expect(await reconnected).toEqual([{ two: 2 }])
      await answers(sql)
      expect(await sql`select count(*)::int as n from teardown_begin`).toEqual([{ n: 0 }])
    } finally {
      await sql.end({ timeout: 1 })
    }
  })
})
