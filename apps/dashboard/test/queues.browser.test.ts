import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { browserTestsRun, launchBrowser, openPage, shot, until } from "./browser.ts"
import { startMasterProcess, type MasterProcess } from "./masterProcess.ts"
import { ok } from "./seed.ts"

let master: MasterProcess
let browser: Browser
let page: Page
let errors: string[]

const queue = async (name: string) => ok(await master.api("GET", `/queues/${name}`), `read ${name}`).queue
const leaseCount = async (name: string) => ok(await master.api("POST", "/jobs/lease", { worker_id: "probe", queues: [name], max_jobs: 1 }), "lease").jobs.length

describe.runIf(browserTestsRun)("the queues page in Chromium against a real master", () => {
  beforeAll(async () => {
    master = await startMasterProcess()
    ok(await master.api("POST", "/jobs/batch", { jobs: Array.from({ length: 4 }, (_, i) => ({ type: "send", queue: "mail", payload: { i } })) }), "mail")
    ok(await master.api("POST", "/jobs", { type: "render", queue: "reports" }), "reports")
    browser = await launchBrowser()
    ;({ page, errors } = await openPage(browser))
    await page.goto(`${master.url}/ui/queues`)
    await page.getByRole("rowheader", { name: "mail" }).waitFor()
  })
  afterAll(async () => {
    await browser?.close()
    await master?.close()
  })

  const row = (name: string) => page.getByRole("row").filter({ has: page.getByRole("rowheader", { name, exact: true }) })

  it("Pause pauses the queue (nothing leases from it) and Resume resumes it; the other queue is untouched", async () => {
    expect(await row("mail").getByRole("cell").first().textContent()).toBe("active")
    await page.getByRole("button", { name: "Pause mail" }).click()
    await until(async () => (await queue("mail")).paused === true, "mail is paused")
    await page.getByRole("button", { name: "Resume mail" }).waitFor()
    expect(await row("mail").getByRole("cell").first().textContent()).toBe("paused")
    expect((await queue("reports")).paused).toBe(false)
    expect(await leaseCount("mail"), "a paused queue leases nothing").toBe(0)
    await shot(page, "queues-paused")
    await page.getByRole("button", { name: "Resume mail" }).click()
    await until(async () => (await queue("mail")).paused === false, "mail is resumed")
    await page.getByRole("button", { name: "Pause mail" }).waitFor()
    expect(await leaseCount("mail"), "a resumed queue leases again").toBe(1)
  })

  it("editing the limits PATCHes them; an emptied field clears its limit (checked through the API)", async () => {
    await page.getByRole("button", { name: "Edit limits of mail" }).click()
    const form = page.getByRole("form", { name: "Limits of mail" })
    await form.getByLabel("Max concurrency").fill("7")
    await form.getByLabel("Per-key concurrency").fill("3")
    await form.getByLabel("Rate limit (leases)").fill("50")
    await form.getByLabel("per ms").fill("2000")
    await shot(page, "queues-limits")
    await form.getByRole("button", { name: "Save limits" }).click()
    await until(async () => (await queue("mail")).max_concurrency === 7, "max_concurrency is 7")
    expect(await queue("mail")).toMatchObject({ name: "mail", paused: false, max_concurrency: 7, rate_limit: { limit: 50, period_ms: 2000 }, key_concurrency: 3 })
    await row("mail").getByText("max 7, per key 3, 50 per 2000 ms").waitFor()
    expect((await queue("reports")).max_concurrency).toBeNull()

    await page.getByRole("button", { name: "Edit limits of mail" }).click()
    expect(await form.getByLabel("Max concurrency").inputValue(), "the form opens on the current limits").toBe("7")
    await form.getByLabel("Max concurrency").fill("")
    await form.getByLabel("Per-key concurrency").fill("")
    await form.getByRole("button", { name: "Save limits" }).click()
    await until(async () => (await queue("mail")).max_concurrency === null, "max_concurrency is cleared")
    expect(await queue("mail")).toMatchObject({ key_concurrency: null, rate_limit: { limit: 50, period_ms: 2000 } })
    await row("mail").getByText("50 per 2000 ms").waitFor()
  })

  it("raised no uncaught page error", () => {
    expect(errors).toEqual([])
  })
})
