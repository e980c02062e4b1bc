import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import postgres from "postgres"
import { startEmbeddedPostgres, withDatabase } from "@leasehold/tooling"

/** What the worker benches share: programs as child processes, databases on one server, number formatting. */

/** The repository root, from which the programs run. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url))
/** Wall-clock milliseconds with sub-millisecond precision. */
export const now = () => performance.timeOrigin + performance.now()
/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** A program run as its own process, its stdout kept as lines. */
export interface Proc {
  readonly child: ChildProcess
  readonly lines: Array<string>
  readonly exited: Promise<unknown>
}

/** BENCH_PROFILE=DIR: every program started writes a V8 CPU profile into DIR when it exits (open it in Chrome DevTools). */
const PROFILE = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []

/** Starts `node --import tsx ...args` from the repository root (logs at warn; errors echoed). */
export const start = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Proc => {
  const child = spawn(process.execPath, [...PROFILE, "--import", "tsx", ...args], {
    cwd: ROOT,
    env: { ...process.env, LEASEHOLD_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const lines: Array<string> = []
  let buffer = ""
  child.stdout?.on("data", (d) => {
    buffer += String(d)
    const parts = buffer.split("\n")
    buffer = parts.pop() ?? ""
    lines.push(...parts)
  })
  child.stderr?.on("data", (d) => {
    const text = String(d)
    if (/"level":"error"|Error|failed/.test(text)) process.stderr.write(text)
  })
  return { child, lines, exited: new Promise((r) => child.on("exit", r)) }
}

/** SIGTERM, SIGKILL after 10 s. */
export const stop = async (p: Proc) => {
  if (p.child.exitCode === null) p.child.kill("SIGTERM")
  const timer = setTimeout(() => p.child.kill("SIGKILL"), 10_000)
  await p.exited
  clearTimeout(timer)
}

/** Polls `check` every 25 ms until true, failing after `timeoutMs`. */
export const waitFor = async (check: () => Promise<boolean> | boolean, what: string, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`)
    await sleep(25)
  }
}

/** A one-connection admin client. */
export const adminConnect = (url: string) => postgres(url, { max: 1, onnotice: () => {} })

/** A fresh database `name` on the server (dropped first if left over); answers its URL. */
export const createDb = async (admin: string, name: string) => {
  const sql = adminConnect(admin)
  await sql.unsafe(`drop database if exists "${name}" with (force)`)
  await sql.unsafe(`create database "${name}"`)
  await sql.end()
  return withDatabase(admin, name)
}

/** Drops database `name`. */
export const dropDb = async (admin: string, name: string) => {
  const sql = adminConnect(admin)
  await sql.unsafe(`drop database if exists "${name}" with (force)`)
  await sql.end()
}

/** BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server if reachable, else an embedded one. */
export const pickServer = async (): Promise<{ admin: string; stop: () => Promise<void>; source: string }> => {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL
  const candidate = given ?? "postgres://postgres@127.0.0.1:5432/postgres"
  const sql = adminConnect(candidate)
  const ok = await sql`select 1`.then(() => true, () => false)
  await sql.end()
  if (ok) return { admin: candidate, stop: async () => {}, source: candidate.replace(/\/\/[^@]*@/, "//") }
  if (given) throw new Error(`bench: cannot reach ${given}`)
  const dataDir = mkdtempSync(join(tmpdir(), "leasehold-bench-pg-"))
  const server = await startEmbeddedPostgres({ dataDir })
  return {
    admin: server.url,
    source: "embedded PostgreSQL",
    stop: async () => {
      await server.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

/** A number with thousands separators and `digits` decimals. */
export const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
