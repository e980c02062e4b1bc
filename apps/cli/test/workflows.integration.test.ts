import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api, runCli, startMasterProcess, type RunningMaster } from "./cliHarness.ts"

let master: RunningMaster
let dir: string
let env: Record<string, string>
const cli = (...args: Array<string>) => runCli(args, { env })
const cliJson = async (...args: Array<string>) => {
  const run = await cli("--json", ...args)
  expect(run.stderr).toBe("")
  expect(run.code).toBe(0)
  return JSON.parse(run.stdout)
}
const file = (name: string, body: unknown) => {
  const path = join(dir, name)
  writeFileSync(path, typeof body === "string" ? body : JSON.stringify(body))
  return path
}
/** Leases every leasable job of the queue and completes (or fails) them, as a worker would. */
const work = async (queue: string, outcome: "completed" | "failed" = "completed") => {
  const { jobs } = await api(master, "POST", "/jobs/lease", { worker_id: "cli-w", queues: [queue], max_jobs: 100, lease_seconds: 60 })
  for (const j of jobs) {
    const path = outcome === "completed" ? `/jobs/${j.id}/complete` : `/jobs/${j.id}/fail`
    await api(master, "POST", path, { worker_id: "cli-w", lease_token: j.lease_token, ...(outcome === "failed" ? { error: { message: "boom" }, retryable: false } : {}) })
  }
  return jobs.map((j: { key: string }) => j.key)
}

beforeAll(async () => {
  master = await startMasterProcess()
  env = { LEASEHOLD_URL: master.url, LEASEHOLD_TOKEN: master.token }
  dir = mkdtempSync(join(tmpdir(), "leasehold-cli-wf-"))
})
afterAll(async () => {
  await master?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const diamond = (queue: string) => ({
  name: "diamond",
  jobs: [
    { key: "a", type: "t", queue },
    { key: "b", type: "t", queue, depends_on: ["a"] },
    { key: "c", type: "t", queue, depends_on: ["a"] },
    { key: "d", type: "t", queue, depends_on: ["b", "c"] }
  ]
})

describe("leasehold workflows", () => {
  it("creates from --file, draws the graph level by level as the jobs move, lists by status", async () => {
    const created = await cli("workflows", "create", "--file", file("diamond.json", diamond("cli-wf1")))
    expect(created.code).toBe(0)
    const id = Number(/^id\s+(\d+)$/m.exec(created.stdout)?.[1])
    expect(id).toBeGreaterThan(0)
    expect(created.stdout).toContain("status    running")
    expect(created.stdout).toMatch(/level 0\n  ○ a  pending  #\d+\nlevel 1\n  ◌ b  blocked  #\d+  ← a\n  ◌ c  blocked  #\d+  ← a\nlevel 2\n  ◌ d  blocked  #\d+  ← b, c$/m)

    expect(await work("cli-wf1")).toEqual(["a"])
    const [b] = (await api(master, "POST", "/jobs/lease", { worker_id: "cli-w", queues: ["cli-wf1"], max_jobs: 1, lease_seconds: 60 })).jobs
    const shown = await cli("workflows", "show", String(id))
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain("  ✔ a  completed   #")
    expect(shown.stdout).toContain(`  ▶ ${b.key}  processing  #${b.id}  ← a`)
    expect(shown.stdout).toMatch(/  ◌ d  blocked     #\d+  ← b, c/)
    expect(shown.stdout).toMatch(/jobs\s+4 \(1 blocked, 1 pending, 1 processing, 1 completed\)/)

    const running = await cliJson("workflows", "list", "--status", "running")
    expect(running.workflows.map((w: { id: number }) => w.id)).toContain(id)
    const table = await cli("workflows", "list")
    expect(table.stdout).toMatch(new RegExp(`^\\s*${id}  diamond\\s+running\\s+1/4\\s+1 blocked, 1 pending, 1 processing, 1 completed`, "m"))
    const json = await cliJson("workflows", "show", String(id))
    expect(json.workflow.jobs.map((j: { key: string }) => j.key)).toEqual(["a", "b", "c", "d"])
  })

  it("cancels a running workflow (again: exit 1, 409) and retries it back to running; the retried jobs finish", async () => {
    const { workflow } = await api(master, "POST", "/workflows", diamond("cli-wf2"))
    await work("cli-wf2", "failed")
    const failed = await cliJson("workflows", "show", String(workflow.id))
    expect(failed.workflow.status).toBe("failed")
    const retried = await cli("workflows", "retry", String(workflow.id))
    expect(retried.code).toBe(0)
    expect(retried.stdout).toContain("status    running")
    expect(retried.stdout).toMatch(/○ a  pending  #\d+\n/)
    expect(retried.stdout).toMatch(/◌ d  blocked  #\d+  ← b, c/)
    const cancelled = await cli("workflows", "cancel", String(workflow.id))
    expect(cancelled.code).toBe(0)
    expect(cancelled.stdout).toContain("status    cancelled")
    expect(cancelled.stdout).toMatch(/jobs\s+4 \(4 cancelled\)/)
    const again = await cli("workflows", "cancel", String(workflow.id))
    expect(again.code).toBe(1)
    expect(again.stderr).toContain("409 invalid_transition")
    expect((await cliJson("workflows", "retry", String(workflow.id))).workflow.status).toBe("running")
    for (let i = 0; i < 3; i++) await work("cli-wf2")
    expect((await cliJson("workflows", "show", String(workflow.id))).workflow.status).toBe("completed")
  })

  it("summarises a large graph (1 -> 118 -> 1) level by level, and --all draws every node", async () => {
    const maps = Array.from({ length: 118 }, (_, i) => ({ key: `map-${i}`, type: "t", queue: "cli-wf3", depends_on: ["split"] }))
    const body = [{ key: "split", type: "t", queue: "cli-wf3" }, ...maps, { key: "reduce", type: "t", queue: "cli-wf3", depends_on: maps.map((m) => m.key) }]
    const created = await cliJson("workflows", "create", "--file", file("big.json", body))
    await work("cli-wf3")
    const shown = await cli("workflows", "show", String(created.workflow.id))
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain("level 1  118 jobs: 118 pending")
    expect(shown.stdout).toContain("  … 113 more")
    expect(shown.stdout).toContain("← map-0, map-1, map-2, map-3 (+114 more)")
    expect(shown.stdout).toContain("(120 jobs: levels summarised; --all draws every node)")
    expect(shown.stdout.split("\n").length).toBeLessThan(30)
    const all = await cli("workflows", "show", String(created.workflow.id), "--all")
    expect(all.stdout).toContain("map-117")
    expect(all.stdout.split("\n").length).toBeGreaterThan(120)
  })

  it("refuses bad input: usage errors exit 2 before calling the master, the master's refusals exit 1 with its message", async () => {
    const offline = { LEASEHOLD_URL: "http://127.0.0.1:1" }
    for (const args of [
      ["workflows", "show", "abc"],
      ["workflows", "cancel", "0"],
      ["workflows", "create"],
      ["workflows", "create", "--file", join(dir, "missing.json")],
      ["workflows", "create", "--file", file("bad.json", "{not json")],
      ["workflows", "create", "--file", file("nojobs.json", { name: "x" })],
      ["workflows", "list", "--status", "sleeping"]
    ]) {
      const run = await runCli(args, { env: offline })
      expect({ args, code: run.code }).toEqual({ args, code: 2 })
    }
    const cycle = await cli("workflows", "create", "--file", file("cycle.json", { jobs: [{ key: "a", type: "t", depends_on: ["b"] }, { key: "b", type: "t", depends_on: ["a"] }] }))
    expect(cycle.code).toBe(1)
    expect(cycle.stderr).toMatch(/cycle.*400 validation/)
    const missing = await cli("workflows", "show", "987654")
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("404 not_found")
  })
})
