import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { browserTestsRun, launchBrowser, openPage, shot, until } from "./browser.ts"
import { startMasterProcess, type MasterProcess } from "./masterProcess.ts"
import { seed, type Seeded } from "./seed.ts"

let master: MasterProcess
let browser: Browser
let data: Seeded
let page: Page
let errors: string[]

describe.runIf(browserTestsRun)("the dashboard in Chromium against a real master", () => {
  beforeAll(async () => {
    master = await startMasterProcess()
    data = await seed(master)
    browser = await launchBrowser()
    ;({ page, errors } = await openPage(browser))
  })
  afterAll(async () => {
    await browser?.close()
    await master?.close()
  })

  const go = (path: string) => page.goto(`${master.url}/ui${path}`)
  const visible = (locator: ReturnType<Page["getByRole"]>, timeout = 15_000) => locator.first().waitFor({ state: "visible", timeout })

  it("the overview shows every queue's counts, the headline figures and the throughput section", async () => {
    const t0 = Date.now()
    await go("/")
    await visible(page.getByRole("rowheader", { name: "emails" }))
    const firstData = await page.evaluate(() => performance.now())
    process.stdout.write(`[figure] overview: first rendered data ${Math.round(firstData)} ms after navigation start (${Date.now() - t0} ms wall, including load)\n`)
    for (const q of ["emails", "reports", "billing", "scan"]) await visible(page.getByRole("link", { name: q, exact: true }))
    await visible(page.getByRole("link", { name: "2 pending in emails" }))
    await visible(page.getByRole("link", { name: "1 completed in emails" }))
    await visible(page.getByRole("link", { name: "2 failed in billing" }))
    expect(await page.getByText("Active workers").isVisible()).toBe(true)
    await visible(page.getByRole("heading", { name: "Throughput" }))
    await shot(page, "overview")
  })

  it("every navigation link opens its page and shows the seeded data (keyboard only)", async () => {
    await go("/")
    await visible(page.getByRole("rowheader", { name: "emails" }))
    const viaKeyboard = async (name: string) => {
      await page.getByRole("link", { name, exact: true }).focus()
      await page.keyboard.press("Enter")
      await visible(page.getByRole("heading", { name, level: 1 }))
    }
    await viaKeyboard("Jobs")
    await visible(page.getByRole("link", { name: String(data.failedId), exact: true }))
    await shot(page, "jobs")
    await viaKeyboard("Scans")
    await visible(page.getByRole("heading", { name: "reindex" }))
    const progress = page.getByRole("progressbar", { name: "reindex progress" })
    expect(Number(await progress.getAttribute("value"))).toBeCloseTo(0.25)
    await shot(page, "scans")
    await viaKeyboard("Schedules")
    await visible(page.getByRole("rowheader", { name: "nightly-report" }))
    await visible(page.getByRole("button", { name: "Pause nightly-report" }))
    await viaKeyboard("Workers")
    await visible(page.getByRole("rowheader", { name: "worker-b" }))
    await visible(page.getByRole("link", { name: "2 jobs held by worker-b" }))
    await shot(page, "workers")
    await viaKeyboard("Workflows")
    await viaKeyboard("Queues")
    await viaKeyboard("Overview")
  })

  it("deep links load directly; the jobs filter lives in the URL", async () => {
    await go(`/jobs?queue=billing&status=failed`)
    await visible(page.getByRole("link", { name: String(data.billingFailed[0]), exact: true }))
    expect(await page.getByRole("row").count()).toBe(3)
    await go(`/jobs/${data.completedId}`)
    await visible(page.getByRole("heading", { name: `Job ${data.completedId} completed` }))
    expect(await page.getByLabel("Result").textContent()).toContain('"delivered": true')
    expect(await page.getByLabel("Payload").textContent()).toContain("@example.com")
  })

  it("a failed job's detail shows its error history; Retry moves it to pending (checked through the API)", async () => {
    await go(`/jobs/${data.failedId}`)
    await visible(page.getByRole("heading", { name: `Job ${data.failedId} failed` }))
    await visible(page.getByText("report template missing"))
    await visible(page.getByText("Attempt 1"))
    await visible(page.getByText("at handler (/srv/handlers.js:12:7)", { exact: false }))
    const updated = page.locator("time").first()
    expect(await updated.getAttribute("title")).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/)
    await shot(page, "job-failed")
    await page.getByRole("button", { name: "Retry" }).click()
    await until(async () => (await master.api("GET", `/jobs/${data.failedId}`)).body.job.status === "pending", "the job is pending")
    await visible(page.getByRole("heading", { name: `Job ${data.failedId} pending` }))
    await visible(page.getByRole("button", { name: "Cancel" }))
  })

  it("a new queue appears on the overview without a reload", async () => {
    await go("/")
    await visible(page.getByRole("rowheader", { name: "emails" }))
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42))
    await master.api("POST", "/jobs", { type: "new-kind", queue: "fresh-queue" })
    await visible(page.getByRole("rowheader", { name: "fresh-queue" }), 5_000)
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42)
  })

  it("bulk retry of a whole filter shows the dry-run count before confirming", async () => {
    await go("/jobs?queue=billing&status=failed")
    await visible(page.getByRole("link", { name: String(data.billingFailed[0]), exact: true }))
    await page.getByRole("button", { name: "Retry all matching…" }).click()
    const dialog = page.getByRole("dialog", { name: "Retry 2 jobs?" })
    await visible(dialog as never)
    await shot(page, "bulk-confirm")
    expect((await master.api("GET", `/jobs/${data.billingFailed[0]}`)).body.job.status).toBe("failed")
    await page.getByRole("button", { name: "Retry 2 jobs" }).click()
    await visible(page.getByRole("status").filter({ hasText: "2 jobs retried." }) as never)
    for (const id of data.billingFailed) expect((await master.api("GET", `/jobs/${id}`)).body.job.status).toBe("pending")
  })

  it("bulk cancel of a selection reports each job's outcome", async () => {
    await go("/jobs?queue=emails")
    await visible(page.getByRole("checkbox", { name: `Select job ${data.completedId}` }))
    const pendingId = (await master.api("GET", "/jobs?queue=emails&status=pending")).body.jobs[0].id
    await page.getByRole("checkbox", { name: `Select job ${data.completedId}` }).check()
    await page.getByRole("checkbox", { name: `Select job ${pendingId}` }).check()
    await page.getByRole("button", { name: "Cancel selected (2)" }).click()
    await visible(page.getByRole("status").filter({ hasText: "1 of 2 jobs cancelled. 1 refused" }) as never)
    expect((await master.api("GET", `/jobs/${pendingId}`)).body.job.status).toBe("cancelled")
  })

  it("is readable at phone width: nothing overflows the page sideways", async () => {
    const phone = await openPage(browser, { width: 390, height: 844 })
    for (const path of ["/", "/jobs", `/jobs/${data.failedId}`, "/scans"]) {
      await phone.page.goto(`${master.url}/ui${path}`)
      await phone.page.getByRole("heading", { level: 1 }).first().waitFor()
      await phone.page.waitForLoadState("networkidle")
      const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      expect(overflow, path).toBeLessThanOrEqual(0)
    }
    await shot(phone.page, "phone-job")
    expect(phone.errors).toEqual([])
    await phone.page.context().close()
  })

  it("raised no uncaught page error and no CSP violation", () => {
    expect(errors).toEqual([])
  })
})
