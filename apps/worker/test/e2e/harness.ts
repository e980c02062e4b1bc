import { spawn, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"
import { API_BASE } from "@leasehold/contracts"
import { freePort } from "@leasehold/tooling"

/** The repository root, from which both programs run. */
export const ROOT = fileURLToPath(new URL("../../../../", import.meta.url))
/** The master's entry: present once apps/master has landed. */
export const MASTER_MAIN = `${ROOT}apps/master/src/main.ts`
const WORKER_MAIN = `${ROOT}apps/worker/src/main.ts`
/** Test handlers that record every execution in the test database. */
export const FIXTURE_HANDLERS = fileURLToPath(new URL("../fixtures/handlers.ts", import.meta.url))

/** Polls `check` until it returns a value other than undefined/false, or fails at the deadline. */
export const until = async <T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 60_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  while (true) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 150))
  }
}

/** A program started as its own OS process (one process: `node --import tsx`, so signals reach it). */
export interface Proc {
  readonly child: ChildProcess
  readonly output: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  readonly kill: (signal?: NodeJS.Signals) => void
}

const run = (main: string, args: ReadonlyArray<string>, env: Record<string, string> = {}): Proc => {
  const child = spawn(process.execPath, ["--import", "tsx", main, ...args], {
    cwd: ROOT,
    env: { ...process.env, LEASEHOLD_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let out = ""
  child.stdout?.on("data", (d) => (out += String(d)))
  child.stderr?.on("data", (d) => (out += String(d)))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal }))
  )
  return { child, output: () => out, exited, kill: (signal = "SIGTERM") => void child.kill(signal) }
}

/** Every process a test file started, so afterAll can end the survivors. */
const started: Array<Proc> = []

/** Ends every process still running (SIGKILL) and waits for them. */
export const killAll = async () => {
  await Promise.all(
    started.splice(0).map(async (p) => {
      if (p.child.exitCode === null && p.child.signalCode === null) p.kill("SIGKILL")
      await p.exited
    })
  )
}

/** A master process on a test database. */
export interface MasterProc extends Proc {
  readonly url: string
  readonly port: number
}

/** Starts the real master as a separate process and waits until `/readyz` answers. */
export const startMaster = async (options: {
  readonly databaseUrl: string
  readonly port?: number
  readonly sweepIntervalMs?: number
}): Promise<MasterProc> => {
  const port = options.port ?? (await freePort())
  const proc = run(MASTER_MAIN, [
    "--port", String(port),
    "--database-url", options.databaseUrl,
    "--sweep-interval-ms", String(options.sweepIntervalMs ?? 500)
  ], { LEASEHOLD_LOG_LEVEL: "warn" })
  started.push(proc)
  const url = `http://127.0.0.1:${port}`
  await until(async () => {
    if (proc.child.exitCode !== null) throw new Error(`master exited: ${proc.output()}`)
    try {
      return (await fetch(`${url}/readyz`)).ok
    } catch {
      return false
    }
  }, "the master to be ready")
  return { ...proc, url, port }
}

/** Starts a real worker process with the fixture handlers. */
export const startWorker = (options: {
  readonly master: string
  readonly databaseUrl: string
  readonly workerId: string
  readonly concurrency?: number
  readonly args?: ReadonlyArray<string>
  readonly env?: Record<string, string>
}): Proc => {
  const proc = run(
    WORKER_MAIN,
    [
      "--", "--master", options.master,
      "--handlers", FIXTURE_HANDLERS,
      "--worker-id", options.workerId,
      "--concurrency", String(options.concurrency ?? 8),
      "--progress-interval", "0",
      "--wait-ms", "2000",
      ...(options.args ?? [])
    ],
    { E2E_DATABASE_URL: options.databaseUrl, ...(options.env ?? {}) }
  )
  started.push(proc)
  return proc
}

/** A small JSON client for the producer and operator endpoints the tests use. */
export const api = (base: string) => {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${API_BASE}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const json = (await res.json()) as any
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
    return json
  }
  return {
    enqueueMany: async (jobs: ReadonlyArray<Record<string, unknown>>): Promise<Array<number>> => {
      const ids: Array<number> = []
      for (let i = 0; i < jobs.length; i += 5000) {
        const res = await call("POST", "/jobs/batch", { jobs: jobs.slice(i, i + 5000) })
        ids.push(...res.jobs.map((j: { id: number }) => j.id))
      }
      return ids
    },
    job: async (id: number) => (await call("GET", `/jobs/${id}`)).job,
    cancel: async (id: number) => (await call("POST", `/jobs/${id}/cancel`)).job,
    stats: async () => call("GET", "/stats"),
    createScan: async (body: Record<string, unknown>) => (await call("POST", "/scans", body)).scan,
    scan: async (name: string) => (await call("GET", `/scans/${name}`)).scan,
    countByStatus: async (queue = "default") => (await call("GET", "/stats")).queues[queue] ?? {},
    workerIds: async (): Promise<Array<string>> => (await call("GET", "/workers")).workers.map((w: { worker_id: string }) => w.worker_id)
  }
}
