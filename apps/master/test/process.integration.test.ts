import { spawn, type ChildProcess } from "node:child_process"
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { createTestDatabase, freePort, type TestDatabase } from "@leasehold/tooling"
import { startMaster } from "../src/startMaster.ts"
import { silentLogger } from "../src/http/Logger.ts"
import { eventually, socketCall } from "./harness.ts"

const MASTER_DIR = fileURLToPath(new URL("..", import.meta.url))
let db: TestDatabase
const children: Array<ChildProcess> = []
beforeAll(async () => {
  db = await createTestDatabase("lh_proc")
})
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL")
  await db?.drop()
})

const spawnMaster = async (args: Array<string>) => {
  const port = await freePort()
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--", "--port", String(port), ...args], { cwd: MASTER_DIR, stdio: ["ignore", "pipe", "pipe"] })
  children.push(child)
  let output = ""
  child.stdout!.on("data", (d) => (output += d))
  child.stderr!.on("data", (d) => (output += d))
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)))
  const url = `http://127.0.0.1:${port}`
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`master exited: ${output}`)
    return fetch(`${url}/readyz`).then((r) => r.ok).catch(() => false)
  }, 60_000, 100)
  return { child, url, call: socketCall(url), exited, output: () => output }
}

describe("the master as a process", () => {
  it("SIGTERM: long-polls answer empty, in-flight requests finish, exit code 0", async () => {
    const m = await spawnMaster(["--database-url", db.url, "--log-level", "info"])
    const polls = Array.from({ length: 3 }, (_, i) => m.call("POST", `${API_BASE}/jobs/lease`, { worker_id: `w${i}`, queues: ["sigterm"], wait_ms: 30_000 }))
    await eventually(async () => /leasehold_long_polls_waiting 3/.test((await m.call("GET", "/metrics")).body))
    m.child.kill("SIGTERM")
    const answers = await Promise.all(polls).catch((e) => {
      throw new Error(`${e}: ${m.output()}`)
    })
    for (const a of answers) expect([a.status, a.body.jobs]).toEqual([200, []])
    expect(await m.exited).toBe(0)
    const lines = m.output().trim().split("\n").map((l) => JSON.parse(l))
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(["master listening", "master stopping", "master stopped"]))
    expect(lines.every((l) => typeof l.time === "string" && l.time.endsWith("Z"))).toBe(true)
  })

  it("rejects a bad flag with exit code 2 and a clear message", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--port", "nope"], { cwd: MASTER_DIR, stdio: ["ignore", "pipe", "pipe"] })
    children.push(child)
    let err = ""
    child.stderr!.on("data", (d) => (err += d))
    const code = await new Promise((r) => child.once("exit", r))
    expect(code).toBe(2)
    expect(err).toMatch(/--port/)
  })
})

describe("without a database URL", () => {
  it("starts an embedded PostgreSQL whose data survives a restart, and says where", async () => {
    const dir = mkdtempSync(join(tmpdir(), "leasehold-embedded-"))
    chmodSync(dir, 0o755)
    const dataDir = join(dir, "pg")
    try {
      const lines: Array<string> = []
      const log = { ...silentLogger, info: (msg: string, f?: Record<string, unknown>) => void lines.push(`${msg} ${JSON.stringify(f)}`) }
      const first = await startMaster({ dataDir, port: 0 }, { log })
      const id = (await socketCall(first.url)("POST", `${API_BASE}/jobs`, { type: "t", queue: "persist" })).body.job.id
      await first.stop()
      expect(lines.some((l) => l.includes(dataDir))).toBe(true)
      expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true)
      const second = await startMaster({ dataDir, port: 0 }, { log: silentLogger })
      try {
        expect((await socketCall(second.url)("GET", `${API_BASE}/jobs/${id}`)).body.job.queue).toBe("persist")
      } finally {
        await second.stop()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("in a private (0700) folder, as root too: the server is reachable, the data survives a restart, the log says where it lives", async () => {
    const home = mkdtempSync(join(tmpdir(), "leasehold-private-"))
    const dataDir = join(home, ".leasehold", "pg")
    const warnings: Array<Record<string, unknown>> = []
    const infos: Array<Record<string, unknown>> = []
    const log = {
      ...silentLogger,
      info: (msg: string, f?: Record<string, unknown>) => void infos.push({ msg, ...f }),
      warn: (msg: string, f?: Record<string, unknown>) => void warnings.push({ msg, ...f })
    }
    let actual: string | undefined
    try {
      const first = await startMaster({ dataDir, port: 0 }, { log })
      const id = (await socketCall(first.url)("POST", `${API_BASE}/jobs`, { type: "t", queue: "private" })).body.job.id
      await first.stop()
      actual = infos.find((l) => l.msg === "embedded PostgreSQL running")?.data_dir as string
      if (process.getuid?.() === 0) {
        expect(warnings).toContainEqual(expect.objectContaining({ requested_data_dir: dataDir, private_folder: home, data_dir: actual }))
        expect(actual.startsWith(dataDir)).toBe(false)
      } else expect(actual).toBe(dataDir)
      expect(existsSync(join(actual, "PG_VERSION"))).toBe(true)
      expect(statSync(home).mode & 0o777).toBe(0o700)
      const second = await startMaster({ dataDir, port: 0 }, { log: silentLogger })
      try {
        expect((await socketCall(second.url)("GET", `${API_BASE}/jobs/${id}`)).body.job.queue).toBe("private")
      } finally {
        await second.stop()
      }
    } finally {
      rmSync(home, { recursive: true, force: true })
      if (actual && !actual.startsWith(home)) rmSync(actual, { recursive: true, force: true })
    }
  })

  it("an embedded PostgreSQL that cannot start: one line naming cause and remedy, exit 1, no stack", async () => {
    const dir = mkdtempSync(join(tmpdir(), "leasehold-nodir-"))
    chmodSync(dir, 0o755) // not private: what blocks is the file where a folder should be
    const file = join(dir, "a-file")
    writeFileSync(file, "")
    try {
      const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--port", "0", "--data-dir", join(file, "pg")], { cwd: MASTER_DIR, stdio: ["ignore", "pipe", "pipe"] })
      children.push(child)
      let err = ""
      child.stderr!.on("data", (d) => (err += d))
      child.stdout!.on("data", (d) => (err += d))
      const code = await new Promise((r) => child.once("exit", r))
      expect(code).toBe(1)
      expect(err).toMatch(/^leasehold-master: failed to start: .*data directory .*a-file\/pg.*Remedy: .*--database-url/m)
      expect(err).not.toMatch(/\n\s+at /)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("SIGTERM while the embedded PostgreSQL is still starting: exit 0, and the server is stopped too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "leasehold-early-"))
    chmodSync(dir, 0o755)
    const dataDir = join(dir, "pg")
    try {
      const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--port", "0", "--data-dir", dataDir], { cwd: MASTER_DIR, stdio: ["ignore", "pipe", "pipe"] })
      children.push(child)
      let out = ""
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once("exit", (code, signal) => r({ code, signal })))
      await new Promise<void>((resolve) => {
        const onData = (d: Buffer) => {
          out += String(d)
          if (out.includes("starting an embedded PostgreSQL")) resolve()
        }
        child.stdout!.on("data", onData)
        child.stderr!.on("data", onData)
      })
      child.kill("SIGTERM")
      expect(await exited, out).toEqual({ code: 0, signal: null })
      expect(existsSync(join(dataDir, "postmaster.pid")), "the embedded server still runs").toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
