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

beforeAll(async () => {
  master = await startMasterProcess()
  env = { LEASEHOLD_URL: master.url, LEASEHOLD_TOKEN: master.token }
  dir = mkdtempSync(join(tmpdir(), "leasehold-cli-"))
})
afterAll(async () => {
  await master?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe("connection, output modes and exit codes", () => {
  it("reads URL and token from the environment, and from --url / --token", async () => {
    expect((await cli("stats")).code).toBe(0)
    const flags = await runCli(["--url", master.url, "--token", master.token, "stats"])
    expect(flags.code).toBe(0)
    expect(flags.stdout).toContain("expired leases: 0")
    const viaTsx = await runCli(["--", "stats"], { env, via: "tsx" })
    expect(viaTsx.code).toBe(0)
    expect(viaTsx.stdout).toContain("active workers: ")
  })
  it("exits 1 with the envelope's message when the master refuses", async () => {
    const noToken = await runCli(["--url", master.url, "stats"])
    expect(noToken.code).toBe(1)
    expect(noToken.stderr).toMatch(/^error: .+\(401 unauthorized\)\n$/)
    const wrong = await runCli(["stats"], { env: { ...env, LEASEHOLD_TOKEN: "nope" } })
    expect(wrong.code).toBe(1)
    const missing = await cli("jobs", "get", "987654")
    expect(missing).toMatchObject({ code: 1, stdout: "" })
    expect(missing.stderr).toContain("404 not_found")
    const machine = await cli("--json", "jobs", "get", "987654")
    expect(machine.code).toBe(1)
    expect(JSON.parse(machine.stderr)).toMatchObject({ error: { status: 404, code: "not_found", message: expect.any(String) } })
  })
  it("exits 1 when the master cannot be reached", async () => {
    const run = await runCli(["--url", "http://127.0.0.1:1", "stats"])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain("cannot reach the master at http://127.0.0.1:1")
  })
  const usageErrors: ReadonlyArray<Array<string>> = [
    ["bogus"],
    ["jobs"],
    ["jobs", "get"],
    ["jobs", "get", "abc"],
    ["jobs", "enqueue", "t", "--priority", "high"],
    ["jobs", "enqueue", "t", "--payload", "{not json"],
    ["jobs", "enqueue"],
    ["jobs", "list", "--status", "sleeping"],
    ["jobs", "list", "--limit", "0"],
    ["schedules", "create", "x", "--type", "t"],
    ["schedules", "create", "x", "--cron", "* * * * *", "--type", "t", "--misfire-policy", "never"],
    ["schedules", "update", "x"],
    ["scans", "create", "x", "--type", "t", "--start", "-1", "--end", "5"],
    ["scans", "create", "x", "--type", "t", "--start", "0", "--end", "9007199254740993"],
    ["--wat", "stats"]
  ]
  it("exits 2 on usage errors, before calling the master", async () => {
    const runs = await Promise.all(usageErrors.map((args) => runCli(args, { env: { LEASEHOLD_URL: "http://127.0.0.1:1" } })))
    runs.forEach((run, i) => {
      expect({ args: usageErrors[i], code: run.code }).toEqual({ args: usageErrors[i], code: 2 })
      expect(run.stderr).toMatch(/error|Usage/)
    })
  })
  it("ignores a bare -- and prints help with exit 0", async () => {
    expect((await cli("--", "stats")).code).toBe(0)
    const help = await cli("--help")
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("schedules")
  })
})

describe("jobs", () => {
  it("enqueue, get, list, cancel and retry, as tables and as JSON", async () => {
    const enq = await cliJson("jobs", "enqueue", "send-mail", "--queue", "cli-jobs", "--payload", '{"to":"a@example.com"}', "--priority", "5")
    const id = enq.job.id as number
    expect(enq.job).toMatchObject({ type: "send-mail", queue: "cli-jobs", priority: 5, payload: { to: "a@example.com" } })

    const dup = await cliJson("jobs", "enqueue", "send-mail", "--queue", "cli-jobs", "--idempotency-key", "k1")
    const again = await cliJson("jobs", "enqueue", "send-mail", "--queue", "cli-jobs", "--idempotency-key", "k1")
    expect(again).toMatchObject({ duplicate: true, job: { id: dup.job.id } })

    const get = await cli("jobs", "get", String(id))
    expect(get.code).toBe(0)
    expect(get.stdout).toMatch(/^id\s+\d+$/m)
    expect(get.stdout).toMatch(/^status\s+pending$/m)
    expect(get.stdout).toMatch(/^created\s+\S+Z \((now|(\d+[dhms] )+ago)\)$/m)

    const list = await cli("jobs", "list", "--queue", "cli-jobs")
    const lines = list.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^\s*ID\s+QUEUE\s+TYPE\s+STATUS\s+ATTEMPTS\s+RUN AT\s+UPDATED\s+WORKER$/)
    expect(lines).toHaveLength(3)
    const statusColumn = lines[0]!.indexOf("STATUS")
    expect(lines.slice(1).every((l) => l.slice(statusColumn).startsWith("pending"))).toBe(true)
    expect((await cliJson("jobs", "list", "--queue", "cli-jobs", "--limit", "1")).next_cursor).not.toBeNull()

    const cancel = await cli("jobs", "cancel", String(id))
    expect(cancel).toMatchObject({ code: 0, stdout: `job ${id} is cancelled\n` })
    const twice = await cli("jobs", "cancel", String(id))
    expect(twice.code).toBe(1)
    expect(twice.stderr).toContain("409 invalid_transition")
    expect((await cliJson("jobs", "retry", String(id))).job).toMatchObject({ id, status: "pending", attempts: 0 })
  })

  it("bulk-enqueues an NDJSON file in chunks with a progress bar", async () => {
    const file = join(dir, "jobs.ndjson")
    const lines = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ type: "bulk", queue: "cli-bulk", payload: { i } }))
    writeFileSync(file, `${lines.join("\n")}\n\n`)
    const run = await cli("jobs", "enqueue", "--file", file, "--chunk-size", "1000")
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^enqueued 2500 jobs \(0 duplicates\) in /)
    const bars = run.stderr.trimEnd().split("\n")
    expect(bars[0]).toMatch(/^\[-+\]\s+0\.0%\s+0\/2500 jobs$/)
    expect(bars).toContain(`[${"#".repeat(12)}${"-".repeat(18)}]  40.0%  1000/2500 jobs`)
    expect(bars.at(-1)).toBe(`[${"#".repeat(30)}] 100.0%  2500/2500 jobs`)
    const stdin = await runCli(["jobs", "enqueue", "--file", "-"], { env, input: '{"type":"s","queue":"cli-stdin"}\n{"type":"s","queue":"cli-stdin"}\n' })
    expect(stdin.stdout).toMatch(/^enqueued 2 jobs/)
    const stats = await cliJson("stats")
    expect(stats.queues["cli-bulk"].pending).toBe(2500)
    expect(stats.queues["cli-stdin"].pending).toBe(2)
  })

  it("splits a file of large jobs into chunks under the master's request size limit", async () => {
    const file = join(dir, "large.ndjson")
    const payload = "x".repeat(900 * 1024)
    writeFileSync(file, Array.from({ length: 40 }, (_, i) => JSON.stringify({ type: "big", queue: "cli-large", payload: { i, payload } })).join("\n"))
    const run = await cli("jobs", "enqueue", "--file", file, "--chunk-size", "1000")
    expect(run.stderr).not.toContain("error")
    expect(run.stdout).toMatch(/^enqueued 40 jobs/)
    expect((await cliJson("stats")).queues["cli-large"].pending).toBe(40)
  })

  it("names the file line of a refused job, and refuses a file that is not NDJSON", async () => {
    const bad = join(dir, "bad.ndjson")
    writeFileSync(bad, ['{"type":"ok","queue":"cli-bad"}', "", '{"type":"ok","queue":"cli-bad"}', '{"type":"ok","queue":"Not A Queue"}'].join("\n"))
    const run = await cli("jobs", "enqueue", "--file", bad)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`${bad}:4: `)
    expect(run.stderr).toContain("400 validation_error")
    expect((await cliJson("stats")).queues["cli-bad"]).toBeUndefined()
    const notJson = join(dir, "not.ndjson")
    writeFileSync(notJson, '{"type":"a"}\n{oops\n')
    const run2 = await cli("jobs", "enqueue", "--file", notJson)
    expect(run2.code).toBe(2)
    expect(run2.stderr).toContain(`${notJson}:2: not valid JSON`)
    expect((await cli("jobs", "enqueue", "--file", join(dir, "missing.ndjson"))).code).toBe(2)
  })
})

describe("schedules", () => {
  it("create, list, update, preview, pause, resume and delete", async () => {
    const created = await cli("schedules", "create", "cli-nightly", "--cron", "30 2 * * *", "--timezone", "Europe/Berlin", "--type", "report", "--payload", '{"kind":"daily"}', "--misfire-policy", "backfill", "--backfill-limit", "3")
    expect(created.code).toBe(0)
    expect(created.stdout).toMatch(/^timezone\s+Europe\/Berlin$/m)
    expect(created.stdout).toMatch(/^misfire policy\s+backfill \(up to 3\)$/m)
    expect(created.stdout).toMatch(/^next run\s+\S+Z \(in \d+/m)

    const list = await cli("schedules", "list")
    expect(list.stdout.split("\n")[0]).toMatch(/^NAME\s+CRON\s+TIMEZONE\s+QUEUE\s+TYPE\s+ENABLED\s+MISFIRE\s+NEXT RUN\s+LAST RUN$/)
    expect(list.stdout).toMatch(/^cli-nightly\s+30 2 \* \* \*\s+Europe\/Berlin\s+default\s+report\s+yes\s+backfill\(3\)\s+in /m)

    const updated = await cliJson("schedules", "update", "cli-nightly", "--cron", "0 */6 * * *", "--timezone", "UTC")
    expect(updated.schedule).toMatchObject({ cron: "0 */6 * * *", timezone: "UTC", payload: { kind: "daily" } })
    expect(new Date(updated.schedule.next_run_at).getUTCHours() % 6).toBe(0)

    const preview = await cliJson("schedules", "preview", "cli-nightly", "--count", "3")
    expect(preview.fire_times).toHaveLength(3)
    const human = await cli("schedules", "preview", "cli-nightly", "--count", "2")
    expect(human.stdout).toMatch(/^\S+:00:00Z {2}\(in [^)]+\)\n\S+:00:00Z {2}\(in [^)]+\)\n$/)

    expect((await cliJson("schedules", "pause", "cli-nightly")).schedule).toMatchObject({ enabled: false, next_run_at: null })
    expect((await cli("schedules", "list")).stdout).toMatch(/^cli-nightly\s.*\spaused\s/m)
    expect((await cliJson("schedules", "resume", "cli-nightly")).schedule.enabled).toBe(true)
    expect((await cliJson("schedules", "update", "cli-nightly", "--disabled")).schedule.enabled).toBe(false)

    const del = await cli("schedules", "delete", "cli-nightly")
    expect(del).toMatchObject({ code: 0, stdout: "deleted schedule cli-nightly\n" })
    expect((await cli("schedules", "get", "cli-nightly")).code).toBe(1)
  })
  it("shows the master's validation messages with exit 1", async () => {
    const bad = await cli("schedules", "create", "cli-bad", "--cron", "* * *", "--type", "t")
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain("expected 5 or 6 fields")
    const zone = await cli("schedules", "create", "cli-bad", "--cron", "* * * * *", "--timezone", "Mars/Base", "--type", "t")
    expect(zone.stderr).toContain("unknown time zone")
    await cli("schedules", "create", "cli-dup", "--cron", "* * * * *", "--type", "t")
    const dup = await cli("schedules", "create", "cli-dup", "--cron", "* * * * *", "--type", "t")
    expect(dup.code).toBe(1)
    expect(dup.stderr).toContain("409 conflict")
  })
})

describe("scans", () => {
  it("create, list, show, and show --watch until done while a worker completes the batches", async () => {
    const created = await cliJson("scans", "create", "cli-scan", "--type", "range", "--queue", "cli-scan", "--start", "0", "--end", "5000", "--default-batch-size", "1000")
    expect(created.scan).toMatchObject({ name: "cli-scan", start: 0, end: 5000, done: false })
    const list = await cli("scans", "list")
    expect(list.stdout).toMatch(/^cli-scan\s+cli-scan\s+range\s+\[0, 5000\)\s+0\.0%\s+running\s+no batches yet$/m)
    expect((await cli("scans", "show", "cli-scan")).stdout).toMatch(/^progress\s+\[-{30}\]\s+0\.0%\s+0\/5000 units$/m)

    const watcher = cli("scans", "show", "cli-scan", "--watch", "--interval", "50")
    for (let batch = 0; batch < 5; batch++) {
      const leased = await api(master, "POST", "/jobs/lease", { worker_id: "cli-test-worker", queues: ["cli-scan"], max_jobs: 1 })
      const job = leased.jobs[0]
      expect(job.payload).toEqual({ start: batch * 1000, end: (batch + 1) * 1000 })
      await api(master, "POST", `/jobs/${job.id}/complete`, { worker_id: "cli-test-worker", lease_token: job.lease_token })
    }
    const run = await watcher
    expect(run.code).toBe(0)
    const lines = run.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^cli-scan {2}\[[#-]{30}\]/)
    expect(lines.at(-1)).toBe(`cli-scan  [${"#".repeat(30)}] 100.0%  5000/5000 units  5 completed  done`)
  })
  it("creates a scan that ends at 2^53 exactly", async () => {
    const created = await cliJson("scans", "create", "cli-top", "--type", "range", "--start", "9007199254740000", "--end", "9007199254740992")
    expect(created.scan).toMatchObject({ start: 9007199254740000, end: 2 ** 53, total_units: 992 })
  })
})

describe("leases, stats and workers", () => {
  it("shows a live lease, its worker, the queue's counts, and recovers", async () => {
    await api(master, "POST", "/jobs", { type: "work", queue: "cli-leases" })
    await api(master, "POST", "/jobs/lease", { worker_id: "cli-worker-7", queues: ["cli-leases"], lease_seconds: 600 })
    const active = await cli("leases", "active", "--queue", "cli-leases")
    expect(active.stdout.split("\n")[0]).toMatch(/^\s*JOB\s+QUEUE\s+TYPE\s+WORKER\s+LEASED\s+EXPIRES$/)
    expect(active.stdout).toMatch(/cli-leases\s+work\s+cli-worker-7\s+(now|(\d+[hms] )+ago)\s+in \d+m/)
    expect((await cli("leases", "expired", "--queue", "cli-leases")).stdout).toBe("(none)\n")
    const workers = await cli("workers")
    expect(workers.stdout).toMatch(/^cli-worker-7\s+(now|(\d+[hms] )+ago)\s+1$/m)
    const stats = await cli("stats")
    expect(stats.stdout).toMatch(/^cli-leases\s+0\s+1\s+0\s+0\s+0\s+0\s+-$/m)
    expect(stats.stdout).toMatch(/^active workers: \d+$/m)

    const { id } = (await api(master, "POST", "/jobs", { type: "work", queue: "cli-expiring" })).job
    const short = await api(master, "POST", "/jobs/lease", { worker_id: "cli-worker-8", queues: ["cli-expiring"], lease_seconds: 1 })
    expect(short.jobs.map((j: { id: number }) => j.id)).toEqual([id])
    const deadline = Date.now() + 30_000
    for (;;) {
      const { leases } = await api(master, "GET", "/leases?state=expired&queue=cli-expiring")
      if (leases.some((l: { job_id: number }) => l.job_id === id)) break
      if (Date.now() > deadline) throw new Error("the 1-second lease did not show as expired within 30 s")
      await new Promise((r) => setTimeout(r, 100))
    }
    const recover = await cliJson("leases", "recover")
    expect(recover).toEqual({ retried: 1, failed: 0 })
    expect((await api(master, "GET", `/jobs/${id}`)).job).toMatchObject({ id, status: "retrying", attempts: 1 })
  })
})
