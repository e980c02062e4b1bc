import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { installedBinaries, startEmbeddedPostgres, type EmbeddedServer, type NativeBinaries } from "../src/index.ts"

const root = process.getuid?.() === 0
let home: string
let shared: string
let binaries: NativeBinaries
const servers: Array<EmbeddedServer> = []
beforeAll(() => {
  // A private folder (mode 0700, like /root or any mktemp -d) holding both the binaries and the data.
  home = mkdtempSync(join(tmpdir(), "leasehold-private-"))
  expect(statSync(home).mode & 0o777).toBe(0o700)
  const installed = installedBinaries()
  cpSync(installed.dir, join(home, "native"), { recursive: true, verbatimSymlinks: true })
  binaries = { ...installed, dir: join(home, "native"), initdb: join(home, "native/bin/initdb"), postgres: join(home, "native/bin/postgres") }
  // The shared root stands in for /var/lib/leasehold: a fresh one per run, so the binaries' copy is exercised.
  shared = join(mkdtempSync(join(tmpdir(), "leasehold-shared-")), "lib")
  chmodSync(join(shared, ".."), 0o755)
})
afterAll(async () => {
  for (const s of servers) await s.stop()
  rmSync(home, { recursive: true, force: true })
  rmSync(join(shared, ".."), { recursive: true, force: true })
})

const query = async (url: string, fn: (sql: postgres.Sql) => Promise<unknown>) => {
  const sql = postgres(url, { max: 1, onnotice: () => {}, fetch_types: false })
  try {
    return await fn(sql)
  } finally {
    await sql.end()
  }
}

describe("the embedded PostgreSQL with its binaries and data in a private (0700) folder", () => {
  it("is reachable, keeps its data across a restart, and leaves the private folder's permissions alone", async () => {
    const dataDir = join(home, ".leasehold", "pg")
    const first = await startEmbeddedPostgres({ dataDir, persistent: true, binaries, sharedRoot: shared })
    servers.push(first)
    await query(first.url, (sql) => sql.unsafe("create table kept (v text); insert into kept values ('survives')"))
    await first.stop()
    servers.pop()

    const second = await startEmbeddedPostgres({ dataDir, persistent: true, binaries, sharedRoot: shared })
    servers.push(second)
    expect(second.dataDir).toBe(first.dataDir)
    const rows = (await query(second.url, (sql) => sql`select v from kept`)) as Array<{ v: string }>
    expect(rows.map((r) => r.v)).toEqual(["survives"])

    const st = statSync(home)
    expect([st.mode & 0o777, st.uid]).toEqual([0o700, process.getuid?.()])
    if (root) {
      // The postgres OS user cannot enter the private folder: binaries and data live under the shared root.
      expect(second.relocatedFrom).toEqual({ requested: dataDir, blockedBy: home })
      expect(second.dataDir.startsWith(join(shared, "data"))).toBe(true)
      expect(existsSync(join(shared, `pg-${binaries.version}-${process.platform}-${process.arch}`, "bin", "postgres"))).toBe(true)
      const [where] = (await query(second.url, (sql) => sql`select current_setting('data_directory') as d`)) as Array<{ d: string }>
      expect(where?.d).toBe(second.dataDir)
    } else {
      expect(second.dataDir).toBe(dataDir)
    }
    await second.stop()
    servers.pop()
  })

  it("a throwaway (non-persistent) server in the private folder removes its data on stop", async () => {
    const server = await startEmbeddedPostgres({ dataDir: join(home, "throwaway"), binaries, sharedRoot: shared })
    servers.push(server)
    await query(server.url, (sql) => sql`select 1`)
    await server.stop()
    servers.pop()
    expect(existsSync(server.dataDir)).toBe(false)
  })
})
