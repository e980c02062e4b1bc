import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api, cliFor, startMasterProcess, type RunningMaster } from "./cliHarness.ts"

let master: RunningMaster
let env: Record<string, string>
const { cli, cliJson } = cliFor(() => env)
const lease = async (queue: string) =>
  (await api(master, "POST", "/jobs/lease", { worker_id: "cli-test", queues: [queue], max_jobs: 10 })).jobs as Array<any>

beforeAll(async () => {
  master = await startMasterProcess()
  env = { LEASEHOLD_URL: master.url, LEASEHOLD_TOKEN: master.token }
})
afterAll(async () => {
  await master?.close()
})

describe("leasehold queues", () => {
  it("set changes limits (absent flags stay, none clears) and show / list print them", async () => {
    const set = await cliJson("queues", "set", "mail", "--max-concurrency", "5", "--rate", "100/1s", "--key-concurrency", "2")
    expect(set.queue).toMatchObject({ name: "mail", paused: false, max_concurrency: 5, rate_limit: { limit: 100, period_ms: 1000 }, key_concurrency: 2 })
    expect((await cliJson("queues", "set", "mail", "--rate", "50/500ms")).queue).toMatchObject({ max_concurrency: 5, rate_limit: { limit: 50, period_ms: 500 }, key_concurrency: 2 })
    expect((await cliJson("queues", "set", "mail", "--rate", "1000/1m")).queue.rate_limit).toEqual({ limit: 1000, period_ms: 60_000 })
    const shown = await cli("queues", "show", "mail")
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/max concurrency\s+5\n/)
    expect(shown.stdout).toMatch(/rate limit\s+1000\/1m \(1000 per 60000 ms, fixed window\)/)
    expect(shown.stdout).toMatch(/key concurrency\s+2\n/)
    const cleared = await cliJson("queues", "set", "mail", "--max-concurrency", "none", "--key-concurrency", "none")
    expect(cleared.queue).toMatchObject({ max_concurrency: null, rate_limit: { limit: 1000 }, key_concurrency: null })
    expect((await cliJson("queues", "set", "mail", "--rate", "none")).queue.rate_limit).toBeNull()
    await api(master, "POST", "/jobs/batch", { jobs: [{ type: "t", queue: "listed" }, { type: "t", queue: "listed" }] })
    const list = await cli("queues", "list")
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/^QUEUE\s+STATE\s+MAX CONC\s+RATE\s+KEY CONC\s+PENDING/)
    expect(list.stdout).toMatch(/\nlisted\s+active\s+-\s+-\s+1 \(default\)\s+2\s+0\s+0\s+0\n/)
    // Every setting of mail cleared and no job: not listed (SPEC: queues with jobs or settings); set again, it is.
    expect(list.stdout).not.toMatch(/\nmail\s/)
    await cliJson("queues", "set", "mail", "--key-concurrency", "3")
    expect((await cli("queues", "list")).stdout).toMatch(/\nmail\s+active\s+-\s+-\s+3\s/)
    expect((await cliJson("queues", "list")).queues.map((q: any) => q.name)).toEqual(expect.arrayContaining(["listed", "mail"]))
  })

  it("refuses bad input with a clear message and exit 2, changing nothing", async () => {
    await cliJson("queues", "set", "strict", "--max-concurrency", "3")
    for (const [args, message] of [
      [["--rate", "100"], "expected LIMIT/PERIOD such as 100/1s"],
      [["--rate", "100/2d"], "expected LIMIT/PERIOD"],
      [["--rate", "0/1s"], "the limit must be from 1 to 1000000"],
      [["--rate", "10/25h"], "the period must be from 1ms to 24h"],
      [["--rate", "10/0s"], "the period must be from 1ms to 24h"],
      [["--max-concurrency", "0"], "expected an integer from 1 to 100000, or 'none' to clear"],
      [["--max-concurrency", "abc"], "expected an integer from 1 to 100000"],
      [["--key-concurrency", "1.5"], "expected an integer from 1 to 100000"],
      [["--key-concurrency", "100001"], "expected an integer from 1 to 100000"],
      [[], "nothing to set: give --max-concurrency, --rate or --key-concurrency"]
    ] as const) {
      const run = await cli("queues", "set", "strict", ...args)
      expect(run.code, args.join(" ")).toBe(2)
      expect(run.stderr).toContain(message)
      expect(run.stdout).toBe("")
    }
    const badName = await cli("queues", "pause", "Bad Name")
    expect(badName).toMatchObject({ code: 2, stdout: "" })
    expect(badName.stderr).toContain("queue name must match [a-z0-9_.-]{1,64}")
    expect((await cliJson("queues", "show", "strict")).queue).toMatchObject({ max_concurrency: 3, rate_limit: null, key_concurrency: null })
  })

  it("pause stops leasing (list shows it), resume lets the job go", async () => {
    await api(master, "POST", "/jobs", { type: "t", queue: "pausable" })
    expect((await cliJson("queues", "pause", "pausable")).queue.paused).toBe(true)
    expect(await lease("pausable")).toEqual([])
    expect((await cli("queues", "list")).stdout).toMatch(/\npausable\s+paused\s/)
    const resumed = await cli("queues", "resume", "pausable")
    expect(resumed.code).toBe(0)
    expect(resumed.stdout).toMatch(/state\s+active/)
    expect(await lease("pausable")).toHaveLength(1)
  })

  it("jobs enqueue --concurrency-key: one job per key at a time by default, two after set --key-concurrency 2", async () => {
    for (let i = 0; i < 3; i++) {
      const made = await cliJson("jobs", "enqueue", "t", "--queue", "keyed", "--concurrency-key", "customer-7")
      expect(made.job.concurrency_key).toBe("customer-7")
    }
    expect(await lease("keyed")).toHaveLength(1)
    await cliJson("queues", "set", "keyed", "--key-concurrency", "2")
    expect(await lease("keyed")).toHaveLength(1)
    expect(await lease("keyed")).toHaveLength(0)
  })
})
