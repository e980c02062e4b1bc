import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, freePort, postgres, type TestDatabase } from "@leasehold/tooling"
import { DEMO, DEMO_TEXT } from "../src/workload.ts"

const ROOT = fileURLToPath(new URL("../../../", import.meta.url))
let db: TestDatabase

beforeAll(async () => {
  db = await createTestDatabase("lh_demo")
})

afterAll(async () => {
  await db?.drop()
})

describe("pnpm demo", () => {
  it("runs master + workers, finishes the whole demo workload, and stops cleanly", async () => {
    const port = await freePort()
    const child = spawn(
      process.execPath,
      ["--import", "tsx", `${ROOT}apps/demo/src/main.ts`, "--", "--database-url", db.url, "--port", String(port), "--once"],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] }
    )
    let out = ""
    child.stdout.on("data", (d) => (out += String(d)))
    child.stderr.on("data", (d) => (out += String(d)))
    const guard = setTimeout(() => child.kill("SIGKILL"), 100_000)
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve))
    clearTimeout(guard)
    expect(code, out).toBe(0)
    expect(out).toContain("demo workload finished")
    expect(out).toContain(`[demo] dashboard: http://127.0.0.1:${port}/ui/`)
    expect(out).toMatch(/flaky job #\d+: completed on attempt 3/)
    expect(out).toMatch(/poison job #\d+: failed after 3 attempts/)
    expect(out).toMatch(/delayed job #\d+: ran after its delay, completed/)
    expect(out).toMatch(/scan demo-\w+: \[0, 20000000\) in \d+ batches .* progress 1/)
    const words = DEMO_TEXT.toLowerCase().match(/[a-z]+/g)!.length
    expect(out).toMatch(
      new RegExp(`workflow #\\d+ \\(word count \\w+\\): completed; the split added ${DEMO.maps} maps and a reduce at run time; the reduce read ${DEMO.maps} map results through ctx.workflow.dependencies: ${words} words, \\d+ distinct, top and 120, jobs 120, the 120`)
    )
    expect(out).toContain("[worker-1] info worker pool stopped")
    expect(out).toContain("[worker-2] info worker pool stopped")
    expect(out).toContain("[demo] stopped")

    const sql = postgres(db.url, { max: 1, onnotice: () => {}, fetch_types: false })
    try {
      const [unfinished] = await sql`select count(*)::int as n from jobs where status in ('pending', 'processing', 'retrying')`
      expect(unfinished!.n).toBe(0)
      const flaky = Number(/flaky job #(\d+)/.exec(out)![1])
      const poison = Number(/poison job #(\d+)/.exec(out)![1])
      const [f] = await sql`select status, attempts from jobs where id = ${flaky}`
      expect(f).toEqual({ status: "completed", attempts: 3 })
      const [p] = await sql`select status, attempts, jsonb_array_length(errors) as errors from jobs where id = ${poison}`
      expect(p).toEqual({ status: "failed", attempts: 3, errors: 3 })
      const batches = await sql`select scan_start::float8 as start, scan_end::float8 as end, status from jobs where scan is not null order by scan_start`
      expect(batches.length).toBeGreaterThan(1)
      expect(batches.every((b) => b.status === "completed" && b.start < b.end)).toBe(true)
      expect(batches[0]!.start).toBe(0)
      expect(batches.at(-1)!.end).toBe(20_000_000)
      batches.slice(1).forEach((b, i) => expect({ i, start: b.start }).toEqual({ i, start: batches[i]!.end }))

      const workflowId = Number(/workflow #(\d+) \(word count/.exec(out)![1])
      const wfJobs = await sql`select key, type, status, result from jobs where workflow_id = ${workflowId} order by id`
      expect(wfJobs.map((j) => j.key)).toEqual(["split", ...Array.from({ length: DEMO.maps }, (_, i) => `map-${i}`), "reduce"])
      expect(wfJobs.every((j) => j.status === "completed")).toBe(true)
      expect(wfJobs[0]!.result).toEqual({ maps: DEMO.maps, added: DEMO.maps + 1 })
      const mapped = wfJobs.filter((j) => j.type === "wordcount.map").map((j) => Object.values(j.result as Record<string, number>).reduce((a, b) => a + b, 0))
      expect(mapped.reduce((a, b) => a + b, 0)).toBe(words)
      expect(wfJobs.at(-1)!.result).toMatchObject({ maps: DEMO.maps, words })
      const [reduceRun] = await sql`select r.updated_at as reduce_done, (select max(m.updated_at) from jobs m where m.workflow_id = ${workflowId} and m.type = 'wordcount.map') as maps_done
        from jobs r where r.workflow_id = ${workflowId} and r.key = 'reduce'`
      expect(reduceRun!.reduce_done.getTime()).toBeGreaterThan(reduceRun!.maps_done.getTime())
    } finally {
      await sql.end()
    }
  })
})
