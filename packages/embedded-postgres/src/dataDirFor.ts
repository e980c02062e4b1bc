import { createHash } from "node:crypto"
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { EmbeddedPostgresError, GENERAL_REMEDY } from "./EmbeddedPostgresError.ts"
import { blockingAncestor, type OsUser } from "./osUser.ts"

/** The data directory PostgreSQL will use, and why it differs from the one asked for (when it does). */
export interface DataDirChoice {
  readonly dir: string
  /** Set when the requested directory was not reachable: the folder that blocked it. */
  readonly blockedBy?: string
}

/** A non-empty folder of someone else where the data directory should be: never taken over. */
class ForeignDir extends Error {
  constructor(readonly uid: number) {
    super("foreign data directory")
  }
}

/** A stable place for the data of an unreachable requested directory: the same request maps to the same place. */
export const relocatedDataDir = (requested: string, sharedRoot: string): string =>
  join(sharedRoot, "data", createHash("sha256").update(requested).digest("hex").slice(0, 16))

/**
 * As root: the requested directory when the PostgreSQL user can reach it, else its stable relocation under
 * `<sharedRoot>/data/`. Either way the directory ends up owned by that user (mode 0700, as PostgreSQL
 * requires); only the data directory itself is created or handed over (when new or empty), never a
 * folder above it, and never a non-empty folder of someone else.
 */
export const dataDirFor = (requested: string, user: OsUser, sharedRoot: string): DataDirChoice => {
  const blockedBy = blockingAncestor(requested, user)
  const dir = blockedBy === undefined ? requested : relocatedDataDir(requested, sharedRoot)
  try {
    if (blockedBy !== undefined && mkdirSync(join(sharedRoot, "data"), { recursive: true }) !== undefined) {
      chmodSync(sharedRoot, 0o755)
      chmodSync(join(sharedRoot, "data"), 0o755)
    }
    const created = !existsSync(dir)
    if (created) mkdirSync(dir, { recursive: true, mode: 0o700 })
    const st = statSync(dir)
    if (st.uid !== user.uid) {
      if (!created && readdirSync(dir).length > 0) throw new ForeignDir(st.uid)
      chownSync(dir, user.uid, user.gid)
      chmodSync(dir, 0o700)
    }
  } catch (cause) {
    if (cause instanceof ForeignDir)
      throw new EmbeddedPostgresError(
        "data-dir",
        `the data directory ${dir} is not empty and belongs to uid ${cause.uid}, not to the '${user.name}' OS user PostgreSQL runs as; ` +
          `it is left as it is. Remedy: pass --data-dir naming a new or empty folder, ${GENERAL_REMEDY}.`
      )
    throw new EmbeddedPostgresError(
      "data-dir",
      `cannot prepare the data directory ${dir} for the '${user.name}' OS user PostgreSQL runs as` +
        `${blockedBy ? ` (the requested ${requested} is behind the private folder ${blockedBy})` : ""}: ` +
        `${cause instanceof Error ? cause.message : String(cause)}. Remedy: pass --data-dir in a folder that user can reach, ` +
        `run as a normal user, ${GENERAL_REMEDY}.`,
      { cause }
    )
  }
  if (blockedBy !== undefined && blockingAncestor(dir, user) !== undefined)
    throw new EmbeddedPostgresError(
      "data-dir",
      `the data directory ${requested} is behind the private folder ${blockedBy}, and the fallback ${dir} is not reachable ` +
        `by the '${user.name}' OS user either. Remedy: pass --data-dir in a folder that user can reach, run as a normal user, ${GENERAL_REMEDY}.`
    )
  return blockedBy === undefined ? { dir } : { dir, blockedBy }
}
