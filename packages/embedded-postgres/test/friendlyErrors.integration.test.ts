import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EmbeddedPostgresError, installedBinaries, startEmbeddedPostgres, type NativeBinaries } from "../src/index.ts"

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "leasehold-errors-"))
  chmodSync(dir, 0o755)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Fails the test on any unhandled 'error' event or rejection while `fn` runs (they would end the master). */
const withoutUnhandled = async <A>(fn: () => Promise<A>) => {
  const seen: Array<unknown> = []
  const record = (e: unknown) => seen.push(e)
  process.on("uncaughtException", record)
  process.on("unhandledRejection", record)
  try {
    return await fn()
  } finally {
    await new Promise((r) => setImmediate(r))
    process.removeListener("uncaughtException", record)
    process.removeListener("unhandledRejection", record)
    expect(seen).toEqual([])
  }
}

describe("what cannot work says cause and remedy, never a raw EACCES stack", () => {
  it("binaries that cannot be executed: a typed error naming the program, the cause and the remedy", async () => {
    const native = join(dir, "native")
    mkdirSync(join(native, "bin"), { recursive: true })
    for (const name of ["initdb", "postgres"]) writeFileSync(join(native, "bin", name), "#!/bin/sh\nexit 0\n", { mode: 0o644 })
    const binaries: NativeBinaries = { ...installedBinaries(), dir: native, initdb: join(native, "bin/initdb"), postgres: join(native, "bin/postgres") }
    const error = await withoutUnhandled(() =>
      startEmbeddedPostgres({ dataDir: join(dir, "data-a"), binaries, sharedRoot: join(dir, "shared") }).then(
        () => undefined,
        (e: unknown) => e
      )
    )
    expect(error).toBeInstanceOf(EmbeddedPostgresError)
    const message = (error as Error).message
    expect(message).toContain(join(native, "bin/initdb"))
    expect(message).toContain("EACCES")
    expect(message).toMatch(/Remedy: .*--database-url/)
    expect(message).not.toMatch(/\n\s+at /)
  })

  it.runIf(process.getuid?.() === 0)("as root, a private data folder with no usable shared place: a typed error naming both and the remedy", async () => {
    const home = mkdtempSync(join(tmpdir(), "leasehold-private-"))
    const blocker = join(dir, "a-file")
    writeFileSync(blocker, "")
    try {
      const error = await withoutUnhandled(() =>
        startEmbeddedPostgres({ dataDir: join(home, "pg"), sharedRoot: join(blocker, "lib") }).then(
          () => undefined,
          (e: unknown) => e
        )
      )
      expect(error).toBeInstanceOf(EmbeddedPostgresError)
      const message = (error as Error).message
      expect(message).toContain(`behind the private folder ${home}`)
      expect(message).toMatch(/Remedy: pass --data-dir in a folder that user can reach, run as a normal user, or point the master at your own PostgreSQL with --database-url/)
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })
})

describe("a data directory that cannot be created", () => {
  it("says which, why, and what to do", async () => {
    const blocker = join(dir, "not-a-folder")
    writeFileSync(blocker, "")
    const error = await withoutUnhandled(() =>
      startEmbeddedPostgres({ dataDir: join(blocker, "pg"), sharedRoot: join(dir, "shared-b") }).then(
        (server) => server.stop(),
        (e: unknown) => e
      )
    )
    expect(error).toBeInstanceOf(EmbeddedPostgresError)
    expect((error as Error).message).toContain(join(blocker, "pg"))
    expect((error as Error).message).toMatch(/Remedy: pass --data-dir in a folder/)
  })
})

describe("a data directory full of someone else's files", () => {
  it.runIf(process.getuid?.() === 0)("as root, is left as it is: not re-owned, not re-permissioned, and the message says so", async () => {
    const theirs = join(dir, "theirs")
    mkdirSync(theirs, { mode: 0o755 })
    chmodSync(theirs, 0o755)
    writeFileSync(join(theirs, "notes.txt"), "mine")
    const error = await withoutUnhandled(() =>
      startEmbeddedPostgres({ dataDir: theirs, sharedRoot: join(dir, "shared-c") }).then(
        (server) => server.stop(),
        (e: unknown) => e
      )
    )
    expect(error).toBeInstanceOf(EmbeddedPostgresError)
    expect((error as Error).message).toMatch(/is not empty and belongs to uid 0.*left as it is\. Remedy: pass --data-dir naming a new or empty folder/)
    const st = statSync(theirs)
    expect([st.uid, st.mode & 0o777]).toEqual([0, 0o755])
  })
})

describe("a data directory another server still runs on", () => {
  it("names that server's pid and how to stop it", async () => {
    const dataDir = join(dir, "held")
    const first = await startEmbeddedPostgres({ dataDir, persistent: true, sharedRoot: join(dir, "shared-d") })
    try {
      const error = await withoutUnhandled(() =>
        startEmbeddedPostgres({ dataDir, persistent: true, sharedRoot: join(dir, "shared-d") }).then(
          (server) => server.stop(),
          (e: unknown) => e
        )
      )
      expect(error).toBeInstanceOf(EmbeddedPostgresError)
      expect((error as Error).message).toMatch(/another PostgreSQL \(pid \d+\) already runs on the data directory .*Remedy: stop that master, or that server with kill -INT \d+/)
    } finally {
      await first.stop()
    }
  })
})
