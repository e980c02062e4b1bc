import { spawn, type ChildProcess } from "node:child_process"
import { EmbeddedPostgresError, GENERAL_REMEDY } from "./EmbeddedPostgresError.ts"
import type { OsUser } from "./osUser.ts"

/** How to run one PostgreSQL program: as whom, where, and where its output goes. */
export interface RunAs {
  readonly user?: OsUser
  /** A folder the program's user can reach (its own binaries' folder). */
  readonly cwd: string
  readonly onLog: (message: string) => void
}

/** Message-language environment: the start detection reads the server's English log line. */
const ENV = { ...process.env, LC_MESSAGES: "C", LC_ALL: "C" }

/** Turns a spawn failure (EACCES, ENOENT) into a message with cause and remedy, never a raw stack. */
const spawnFailure = (program: string, error: NodeJS.ErrnoException, as?: OsUser) =>
  new EmbeddedPostgresError(
    "start",
    `cannot run ${program}${as ? ` as the '${as.name}' OS user` : ""}: ${error.code ?? error.message}` +
      (error.code === "EACCES" ? " (a folder on its path is private, or the file is not executable)" : "") +
      `. Remedy: reinstall with pnpm install, run from a folder others can traverse, ${GENERAL_REMEDY}.`,
    { cause: error }
  )

const start = (program: string, args: ReadonlyArray<string>, run: RunAs): ChildProcess =>
  spawn(program, args, { cwd: run.cwd, env: ENV, stdio: ["ignore", "pipe", "pipe"], ...(run.user ? { uid: run.user.uid, gid: run.user.gid } : {}) })

/** Runs initdb (or any program) to completion; rejects with a clear error on a spawn failure or a non-zero exit. */
export const runToCompletion = (program: string, args: ReadonlyArray<string>, run: RunAs): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = start(program, args, run)
    let output = ""
    const collect = (chunk: Buffer) => {
      output += String(chunk)
      run.onLog(String(chunk))
    }
    child.stdout?.on("data", collect)
    child.stderr?.on("data", collect)
    child.on("error", (e) => reject(spawnFailure(program, e, run.user)))
    child.once("close", (code, signal) => {
      if (code === 0) return resolve()
      reject(new EmbeddedPostgresError("initdb", `${program} failed (exit ${code ?? signal}): ${output.trim().split("\n").slice(-3).join(" / ")}. Remedy: remove the data directory if it is a broken leftover, ${GENERAL_REMEDY}.`))
    })
  })

/** Starts the server and resolves once it accepts connections; the child is stopped with SIGINT (fast shutdown). */
export const startServer = (program: string, args: ReadonlyArray<string>, run: RunAs): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = start(program, args, run)
    let output = ""
    let ready = false
    child.stderr?.on("data", (chunk: Buffer) => {
      const text = String(chunk)
      run.onLog(text)
      if (ready) return
      output += text
      if (output.includes("database system is ready to accept connections")) {
        ready = true
        resolve(child)
      }
    })
    child.stdout?.on("data", (chunk: Buffer) => run.onLog(String(chunk)))
    child.on("error", (e) => {
      if (!ready) reject(spawnFailure(program, e, run.user))
    })
    child.once("close", (code, signal) => {
      if (ready) return
      const holder = output.match(/another postmaster \(PID (\d+)\) running in data directory "([^"]+)"/)
      if (holder)
        return reject(
          new EmbeddedPostgresError(
            "start",
            `another PostgreSQL (pid ${holder[1]}) already runs on the data directory ${holder[2]}: a master stopped with kill -9 leaves its ` +
              `embedded server running. Remedy: stop that master, or that server with kill -INT ${holder[1]}, then start again.`
          )
        )
      reject(new EmbeddedPostgresError("start", `PostgreSQL exited during start (exit ${code ?? signal}): ${output.trim().split("\n").slice(-3).join(" / ")}. Remedy: check that the port is free and the data directory is not used by another server, ${GENERAL_REMEDY}.`))
    })
  })
