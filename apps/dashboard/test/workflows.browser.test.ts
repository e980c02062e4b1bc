import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { browserTestsRun, launchBrowser, openPage, shot, until } from "./browser.ts"
import { startMasterProcess, type MasterProcess } from "./masterProcess.ts"
import { ok } from "./seed.ts"

interface Node {
  readonly job_id: number
  readonly key: string
  readonly status: string
  readonly depends_on: ReadonlyArray<string>
}

let master: MasterProcess
let browser: Browser
let page: Page
let errors: string[]
let workflowId: number
let otherWorkflowId: number

const WORKER = "wf-worker"

/**
 * A workflow in five statuses with runtime-added jobs, through the API as a worker drives it:
 * split completes after adding map-1, map-2 and merge under its lease; map-1 completes, map-2 fails for good
 * (so merge, waiting on it, is cancelled); reduce is pending; report, waiting on reduce, is blocked.
 */
const seedWorkflow = async (m: MasterProcess): Promise<number> => {
  const created = ok(
    await m.api("POST", "/workflows", {
      name: "nightly-etl",
      jobs: [
        { key: "split", type: "split", queue: "etl" },
        { key: "reduce", type: "reduce", queue: "etl", depends_on: ["split"] },
        { key: "report", type: "report", queue: "etl", depends_on: ["reduce"] }
      ]
    }),
    "create workflow"
  ).workflow
  const [split] = ok(await m.api("POST", "/jobs/lease", { worker_id: WORKER, queues: ["etl"], types: ["split"] }), "lease split").jobs
  expect(split.id).toBe(created.jobs.find((j: Node) => j.key === "split").job_id)
  const added = ok(
    await m.api("POST", `/workflows/${created.id}/jobs`, {
      worker_id: WORKER,
      lease_token: split.lease_token,
      job_id: split.id,
      jobs: [
        { key: "map-1", type: "map", queue: "etl", depends_on: ["split"], payload: { part: 1 } },
        { key: "map-2", type: "map", queue: "etl", depends_on: ["split"], payload: { part: 2 } },
        { key: "merge", type: "merge", queue: "etl", depends_on: ["map-1", "map-2"] }
      ]
    }),
    "add under the lease"
  ).jobs
  expect(added.map((j: { duplicate: boolean }) => j.duplicate)).toEqual([false, false, false])
  const ack = (items: ReadonlyArray<object>) => m.api("POST", "/leases/ack", { worker_id: WORKER, items }).then((a) => ok(a, "ack").results)
  expect(await ack([{ job_id: split.id, lease_token: split.lease_token, outcome: "completed", result: { parts: 2 } }])).toMatchObject([{ job_id: split.id, ok: true }])
  const maps = ok(await m.api("POST", "/jobs/lease", { worker_id: WORKER, queues: ["etl"], types: ["map"], max_jobs: 2 }), "lease maps").jobs
  expect(maps).toHaveLength(2)
  const results = await ack([
    { job_id: maps[0].id, lease_token: maps[0].lease_token, outcome: "completed", result: { rows: 10 } },
    { job_id: maps[1].id, lease_token: maps[1].lease_token, outcome: "failed", error: { message: "part 2 unreadable" }, retryable: false }
  ])
  expect(results.every((r: { ok: boolean }) => r.ok)).toBe(true)
  return created.id
}

const graphOf = async (m: MasterProcess, id: number) => ok(await m.api("GET", `/workflows/${id}`), "read workflow").workflow as { status: string; jobs: ReadonlyArray<Node> }

describe.runIf(browserTestsRun)("workflows in Chromium against a real master", () => {
  beforeAll(async () => {
    master = await startMasterProcess()
    workflowId = await seedWorkflow(master)
    otherWorkflowId = ok(await master.api("POST", "/workflows", { name: "other", jobs: [{ key: "only", type: "split", queue: "etl" }] }), "other").workflow.id
    ok(await master.api("POST", "/jobs", { type: "split", queue: "etl" }), "a job outside workflows")
    browser = await launchBrowser()
    ;({ page, errors } = await openPage(browser))
  })
  afterAll(async () => {
    await browser?.close()
    await master?.close()
  })

  const visible = (locator: ReturnType<Page["getByRole"]>, timeout = 15_000) => locator.first().waitFor({ state: "visible", timeout })
  /** Each drawn node as the page shows it: its key text, status text, its box's fill and the fill its status's colour resolves to. */
  const drawnNodes = () =>
    page.evaluate(() => {
      const colourOf = (status: string) => {
        const probe = document.createElement("span")
        probe.style.color = `var(--${status})`
        document.body.append(probe)
        const c = getComputedStyle(probe).color
        probe.remove()
        return c
      }
      return [...document.querySelectorAll('svg[aria-label^="Workflow graph"] a')].map((a) => {
        const status = a.querySelector(".node-status")?.textContent ?? ""
        return {
          label: a.getAttribute("aria-label"),
          href: a.getAttribute("href"),
          key: a.querySelector(".node-key")?.textContent ?? "",
          status,
          fill: getComputedStyle(a.querySelector("rect")!).fill,
          statusColour: colourOf(status)
        }
      })
    })

  it("the detail page draws every node, the runtime-added ones included, with its key and its status colour", async () => {
    const wf = await graphOf(master, workflowId)
    expect(Object.fromEntries(wf.jobs.map((j) => [j.key, j.status]))).toEqual({
      split: "completed",
      reduce: "pending",
      report: "blocked",
      "map-1": "completed",
      "map-2": "failed",
      merge: "cancelled"
    })
    await page.goto(`${master.url}/ui/workflows`)
    await page.getByRole("link", { name: "nightly-etl" }).click()
    await visible(page.getByRole("group", { name: `Workflow graph of ${wf.jobs.length} jobs` }))
    expect(page.url()).toBe(`${master.url}/ui/workflows/${workflowId}`)
    const nodes = await drawnNodes()
    expect(nodes.map((n) => n.label).sort()).toEqual(wf.jobs.map((j) => `${j.key}: ${j.status}`).sort())
    for (const j of wf.jobs) {
      const n = nodes.find((d) => d.key === j.key)!
      expect(n, j.key).toMatchObject({ status: j.status, href: `/ui/jobs/${j.job_id}` })
      expect(n.fill, `${j.key} is coloured as ${j.status}`).toBe(n.statusColour)
    }
    expect(new Set(nodes.map((n) => n.fill)).size, "five statuses, five colours").toBe(5)
    const edges = await page.locator('svg[aria-label^="Workflow graph"] path.edge').count()
    expect(edges).toBe(wf.jobs.reduce((s, j) => s + j.depends_on.length, 0))
    await shot(page, "workflow-graph")
  })

  it("a job added at run time appears in the graph without a reload", async () => {
    ok(await master.api("POST", `/workflows/${workflowId}/jobs`, { jobs: [{ key: "publish", type: "publish", queue: "etl", depends_on: ["report"] }] }), "add")
    await visible(page.getByRole("link", { name: "publish: blocked" }), 5_000)
    expect(await page.getByRole("group", { name: "Workflow graph of 7 jobs" }).count()).toBe(1)
  })

  it("Cancel cancels every unfinished job; Retry brings the failed and cancelled ones back (checked through the API)", async () => {
    await page.getByRole("button", { name: "Cancel workflow" }).click()
    // Finished with map-2 failed, the workflow reads "failed" (SPEC: any failed job), its open jobs cancelled.
    await until(async () => (await graphOf(master, workflowId)).status === "failed", "the workflow is finished")
    const cancelled = await graphOf(master, workflowId)
    expect(cancelled.jobs.filter((j) => ["reduce", "report", "publish"].includes(j.key)).map((j) => j.status)).toEqual(["cancelled", "cancelled", "cancelled"])
    await visible(page.getByRole("link", { name: "reduce: cancelled" }), 5_000)
    await shot(page, "workflow-cancelled")
    await page.getByRole("button", { name: "Retry workflow" }).click()
    await until(async () => (await graphOf(master, workflowId)).status === "running", "the workflow runs again")
    const retried = Object.fromEntries((await graphOf(master, workflowId)).jobs.map((j) => [j.key, j.status]))
    expect(retried).toEqual({ split: "completed", reduce: "pending", report: "blocked", publish: "blocked", "map-1": "completed", "map-2": "pending", merge: "blocked" })
    await visible(page.getByRole("link", { name: "map-2: pending" }), 5_000)
    await visible(page.getByRole("link", { name: "merge: blocked" }), 5_000)
  })

  it("the jobs list filtered by workflow shows that workflow's jobs only, from a deep link and from the form", async () => {
    const ids = (await graphOf(master, workflowId)).jobs.map((j) => j.job_id).sort((a, b) => a - b)
    const listed = async () => {
      await visible(page.getByRole("link", { name: String(ids[0]), exact: true }))
      return page.evaluate(() => [...document.querySelectorAll("tbody tr")].map((r) => Number(r.querySelector("a")?.textContent)))
    }
    await page.getByRole("link", { name: "Open these jobs in the jobs list" }).click()
    expect(new URL(page.url()).search).toBe(`?workflow_id=${workflowId}`)
    expect(await listed()).toEqual(ids)
    await shot(page, "jobs-by-workflow")
    await page.goto(`${master.url}/ui/jobs?workflow_id=${otherWorkflowId}`)
    const other = (await graphOf(master, otherWorkflowId)).jobs.map((j) => j.job_id)
    await visible(page.getByRole("link", { name: String(other[0]), exact: true }))
    expect(await page.evaluate(() => document.querySelectorAll("tbody tr").length)).toBe(1)
    const field = page.getByRole("textbox", { name: "Workflow" })
    expect(await field.inputValue()).toBe(String(otherWorkflowId))
    await field.fill(String(workflowId))
    await page.getByRole("button", { name: "Apply filters" }).click()
    await until(async () => new URL(page.url()).searchParams.get("workflow_id") === String(workflowId), "the URL names the workflow")
    expect(await listed()).toEqual(ids)
    await page.goto(`${master.url}/ui/jobs?queue=etl`)
    await visible(page.getByRole("link", { name: String(ids[0]), exact: true }))
    expect(await page.evaluate(() => document.querySelectorAll("tbody tr").length), "the unfiltered queue has more").toBe(ids.length + 2)
  })

  it("raised no uncaught page error", () => {
    expect(errors).toEqual([])
  })
})
