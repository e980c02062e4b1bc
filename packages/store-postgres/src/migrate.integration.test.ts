import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import postgres from "postgres"
import { describe, expect, it } from "vitest"
import { createTestDatabase } from "@leasehold/tooling"
import { connect } from "./connect.ts"
import { migrate, migrationFiles } from "./migrate.ts"

const CHILD = fileURLToPath(new URL("../test/migrateProcess.ts", import.meta.url))
const BARRIER_KEY = 4_242_001

/** Starts a migrating child; resolves `ready` once it waits at the barrier, `done` with its output. */
const child = (url: string) => {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, url, String(BARRIER_KEY)], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: ["ignore", "pipe", "pipe"]
  })
  let out = ""
  let err = ""
  let onReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (onReady = resolve))
  proc.stdout.on("data", (d: Buffer) => {
    out += d.toString()
    if (out.includes("ready\n")) onReady()
  })
  proc.stderr.on("data", (d: Buffer) => (err += d.toString()))
  const done = new Promise<{ code: number | null; applied: string[]; err: string }>((resolve) =>
    proc.on("close", (code) => {
      onReady()
      const last = out.trim().split("\n").pop() ?? "[]"
      resolve({ code, applied: last.startsWith("[") ? (JSON.parse(last) as string[]) : [], err })
    })
  )
  return { ready, done }
}

describe("migrate", () => {
  it("applies every numbered file once, in numeric order, and is a no-op the second time", async () => {
    const db = await createTestDatabase("lh_migrate")
    const sql = connect(db.url, { max: 2 })
    try {
      const files = migrationFiles()
      expect(files[0]).toBe("0001_jobs.sql")
      expect([...files].sort()).toEqual(files)
      expect(files).toContain("0010_schedules.sql")
      expect((await migrate(sql)).applied).toEqual(files)
      expect((await migrate(sql)).applied).toEqual([])
      const tables = await sql<{ t: string }[]>`select tablename as t from pg_tables where schemaname = 'public'`
      expect(tables.map((r) => r.t)).toEqual(expect.arrayContaining(["jobs", "scans", "workers", "schedules"]))
    } finally {
      await sql.end()
      await db.drop()
    }
  })

  it("lets two processes migrate one database at the same moment; both succeed, one applies", async () => {
    for (let round = 0; round < 2; round++) {
      const db = await createTestDatabase("lh_migrate_race")
      const gate = postgres(db.url, { max: 1, onnotice: () => {} })
      try {
        await gate`select pg_advisory_lock(${BARRIER_KEY}::bigint)`
        const a = child(db.url)
        const b = child(db.url)
        await Promise.all([a.ready, b.ready])
        // "ready" comes before the child asks for the barrier: wait until both are blocked on it, so the
        // unlock starts them together instead of one after the other.
        const deadline = Date.now() + 30_000
        for (;;) {
          const [w] = await gate<{ n: number }[]>`
            select count(*)::int as n from pg_locks
            where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`
          if (w?.n === 2) break
          if (Date.now() > deadline) throw new Error(`both migrating children never blocked on the barrier (${w?.n} waiting)`)
          await new Promise((r) => setTimeout(r, 10))
        }
        await gate`select pg_advisory_unlock(${BARRIER_KEY}::bigint)`
        const results = await Promise.all([a.done, b.done])
        for (const r of results) expect(r.code, r.err).toBe(0)
        const applied = results.map((r) => r.applied).sort((x, y) => y.length - x.length)
        expect(applied).toEqual([[...migrationFiles()], []])
        const rows = await gate<{ n: number }[]>`select count(*)::int as n from leasehold_migrations`
        expect(rows[0]?.n).toBe(migrationFiles().length)
      } finally {
        await gate.end()
        await db.drop()
      }
    }
  })
})
