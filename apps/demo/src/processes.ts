import { spawn, type ChildProcess } from "node:child_process"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"

/** The repository root: the master runs from here, so its embedded data lives in ./.leasehold/pg. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url))

/** A child program (master or worker) in its own process group, so Ctrl-C reaches only the demo, which stops them in order. */
export interface Child {
  readonly name: string
  readonly process: ChildProcess
  readonly exited: Promise<number | null>
}

const SHOWN = new Set(["warn", "error"])
const SHOWN_INFO = /listening|embedded PostgreSQL|progress|pool st|released|lease lost|signal|no tokens|payment charged/

/** Prints a child's JSON log line compactly (`[worker-1] info progress done=120 ...`); other lines as they are. */
const printLine = (name: string, line: string, verbose: boolean) => {
  if (line.trim() === "") return
  try {
    const { time: _t, level, msg, service: _s, worker_id: _w, ...fields } = JSON.parse(line) as Record<string, unknown>
    if (!verbose && !SHOWN.has(String(level)) && !SHOWN_INFO.test(String(msg))) return
    const rest = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    process.stdout.write(`[${name}] ${level} ${msg}${rest.length ? ` ${rest.join(" ")}` : ""}\n`)
  } catch {
    process.stdout.write(`[${name}] ${line}\n`)
  }
}

/** Starts `node --import tsx <main> ...args` from the repository root. */
export const startChild = (name: string, main: string, args: ReadonlyArray<string>, verbose = false): Child => {
  const child = spawn(process.execPath, ["--import", "tsx", `${ROOT}${main}`, ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"]
  })
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = ""
    stream?.on("data", (chunk) => {
      buffer += String(chunk)
      const lines = buffer.split("\n")
      buffer = lines.pop() ?? ""
      for (const line of lines) printLine(name, line, verbose)
    })
  }
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return { name, process: child, exited }
}

/** True when nothing listens on the port (so the demo can take 8080, or else any free port). */
export const portIsFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once("error", () => resolve(false))
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)))
  })

/** Any free port on loopback. */
export const anyFreePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
