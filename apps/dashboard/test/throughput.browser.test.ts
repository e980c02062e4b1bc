import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { browserTestsRun, launchBrowser, openPage, shot, until } from "./browser.ts"
import { startMasterProcess, type MasterProcess } from "./masterProcess.ts"
import { ok } from "./seed.ts"

interface Minute {
  readonly at: string
  readonly completed: number
  readonly failed: number
}

let master: MasterProcess
let browser: Browser
let page: Page
let errors: string[]

const WORKER = "tp-worker"

/** Leases `n` jobs of `queue` and acks them with one outcome. */
const finish = async (n: number, outcome: "completed" | "failed") => {
  const jobs = ok(await master.api("POST", "/jobs/lease", { worker_id: WORKER, queues: ["tp"], max_jobs: n }), "lease").jobs
  expect(jobs).toHaveLength(n)
  const items = jobs.map((j: { id: number; lease_token: string }) =>
    outcome === "completed"
      ? { job_id: j.id, lease_token: j.lease_token, outcome }
      : { job_id: j.id, lease_token: j.lease_token, outcome, error: { message: "boom" }, retryable: false }
  )
  const results = ok(await master.api("POST", "/leases/ack", { worker_id: WORKER, items }), "ack").results
  expect(results.every((r: { ok: boolean }) => r.ok)).toBe(true)
}

const apiMinutes = async (): Promise<ReadonlyArray<Minute>> => ok(await master.api("GET", "/stats/throughput?minutes=60"), "throughput").minutes
const sum = (ms: ReadonlyArray<Minute>, k: "completed" | "failed") => ms.reduce((s, m) => s + m[k], 0)

describe.runIf(browserTestsRun)("the overview's throughput chart in Chromium against a real master", () => {
  beforeAll(async () => {
    master = await startMasterProcess()
    ok(await master.api("POST", "/jobs/batch", { jobs: Array.from({ length: 20 }, (_, i) => ({ type: "work", queue: "tp", payload: { i } })) }), "batch")
    await finish(7, "completed")
    await finish(3, "failed")
    browser = await launchBrowser()
    ;({ page, errors } = await openPage(browser))
  })
  afterAll(async () => {
    await browser?.close()
    await master?.close()
  })

  /** The minutes the chart drew, from each bar group's data attributes. */
  const chartMinutes = () =>
    page.evaluate(() =>
      [...document.querySelectorAll("svg g.minute")].map((g) => ({
        at: g.getAttribute("data-at")!,
        completed: Number(g.getAttribute("data-completed")),
        failed: Number(g.getAttribute("data-failed")),
        heights: [...g.querySelectorAll("rect")].map((r) => Number(r.getAttribute("height")))
      }))
    )
  const chartLabel = () => page.getByRole("img", { name: /^Throughput over the last/ }).getAttribute("aria-label")

  it("draws the minutes GET /stats/throughput answers: non-zero bars where jobs finished, the same counts", async () => {
    await page.goto(`${master.url}/ui/`)
    await page.getByRole("img", { name: /^Throughput over the last 60 minutes: 7 completed, 3 failed/ }).waitFor({ timeout: 15_000 })
    const drawn = await chartMinutes()
    const api = await apiMinutes()
    expect(sum(api, "completed")).toBe(7)
    expect(sum(api, "failed")).toBe(3)
    expect(drawn).toHaveLength(60)
    const busy = api.filter((m) => m.completed + m.failed > 0)
    expect(busy.length).toBeGreaterThan(0)
    for (const m of busy) {
      const bar = drawn.find((d) => Date.parse(d.at) === Date.parse(m.at))
      expect(bar, `the chart has the minute ${m.at}`).toBeDefined()
      expect({ completed: bar!.completed, failed: bar!.failed }).toEqual({ completed: m.completed, failed: m.failed })
      expect(bar!.heights.every((h) => h >= 0) && bar!.heights.some((h) => h > 0), "a non-zero bar is drawn").toBe(true)
    }
    expect(sum(drawn, "completed")).toBe(7)
    expect(sum(drawn, "failed")).toBe(3)
    await shot(page, "overview-throughput")
  })

  it("follows new completions without a reload", async () => {
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7))
    await finish(5, "completed")
    await until(async () => (await chartLabel())?.includes("12 completed, 3 failed"), "the chart shows 12 completed", 5_000)
    const drawn = await chartMinutes()
    expect(sum(drawn, "completed")).toBe(sum(await apiMinutes(), "completed"))
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7)
  })

  it("raised no uncaught page error", () => {
    expect(errors).toEqual([])
  })
})
