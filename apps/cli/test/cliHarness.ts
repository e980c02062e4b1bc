import { spawn, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"
import { expect } from "vitest"
import { createTestDatabase, freePort, type TestDatabase } from "@leasehold/tooling"

const ROOT = fileURLToPath(new URL("../../..", import.meta.url))
const CLI_BIN = fileURLToPath(new URL("../bin/leasehold.mjs", import.meta.url))
const CLI_MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url))
const MASTER_MAIN = fileURLToPath(new URL("../../master/src/main.ts", import.meta.url))

/** A real master process on its own database, reachable over loopback. */
export interface RunningMaster {
  readonly url: string
  readonly token: string
  readonly close: () => Promise<void>
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())))

/** Spawns `apps/master/src/main.ts` with an admin token and waits until `/healthz` answers; its sweeper waits an hour, so only `leases recover` recovers an expired lease. */
export const startMasterProcess = async (): Promise<RunningMaster> => {
  const db: TestDatabase = await createTestDatabase("lh_cli")
  const port = await freePort()
  const token = "cli-test-admin-token"
  const child = spawn(
    process.execPath,
    ["--import", "tsx", MASTER_MAIN, "--port", String(port), "--host", "127.0.0.1", "--database-url", db.url, "--admin-token", token, "--log-level", "warn", "--sweep-interval-ms", "3600000"],
    { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] }
  )
  let stderr = ""
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()))
  const url = `http://127.0.0.1:${port}`
  const close = async () => {
    if (child.exitCode === null) child.kill("SIGTERM")
    await exited(child)
    await db.drop()
  }
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) {
      await close()
      throw new Error(`master exited during start: ${stderr}`)
    }
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false)
    if (ok) return { url, token, close }
    if (Date.now() > deadline) {
      await close()
      throw new Error(`master did not start within 60 s: ${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** What one CLI run printed and how it exited. */
export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the real `leasehold` bin (or, with `via: "tsx"`, `tsx src/main.ts` as `pnpm leasehold` does) as a child process. */
export const runCli = (
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string | undefined>; readonly input?: string; readonly via?: "bin" | "tsx" } = {}
): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const env = { ...process.env, LEASEHOLD_URL: undefined, LEASEHOLD_TOKEN: undefined, ...options.env }
    const entry = options.via === "tsx" ? ["--import", "tsx", CLI_MAIN] : [CLI_BIN]
    const child = spawn(process.execPath, [...entry, ...args], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }))
    child.stdin.end(options.input ?? "")
  })

/** Calls the master directly (what a worker or producer would do), for test setup. */
export const api = async (master: RunningMaster, method: string, path: string, body?: unknown): Promise<any> => {
  const res = await fetch(`${master.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${master.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return text === "" ? undefined : JSON.parse(text)
}

/** `cli(...args)` and `cliJson(...args)` (which expects exit 0 and parses `--json` output) bound to one env. */
export const cliFor = (env: () => Record<string, string | undefined>) => {
  const cli = (...args: Array<string>) => runCli(args, { env: env() })
  const cliJson = async (...args: Array<string>): Promise<any> => {
    const run = await cli("--json", ...args)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    return JSON.parse(run.stdout)
  }
  return { cli, cliJson }
}
