import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { browserTestsRun, launchBrowser, openPage, shot } from "./browser.ts"
import { startMasterProcess, type MasterProcess } from "./masterProcess.ts"
import { seed, type Seeded } from "./seed.ts"

const TOKENS = { admin: "admin-secret", producer: "producer-secret", worker: "worker-secret" }
let master: MasterProcess
let browser: Browser
let data: Seeded

describe.runIf(browserTestsRun)("the dashboard with tokens configured", () => {
  beforeAll(async () => {
    master = await startMasterProcess(TOKENS)
    data = await seed(master)
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await master?.close()
  })

  const signIn = async (page: import("playwright-core").Page, token: string) => {
    const field = page.getByLabel("API token")
    await field.fill(token)
    await field.press("Enter")
  }

  it("asks for a token and shows no data until it has one; a wrong or worker token is refused", async () => {
    const { page, errors } = await openPage(browser)
    await page.goto(`${master.url}/ui/jobs`)
    await page.getByRole("heading", { name: "Sign in to Leasehold" }).waitFor()
    expect(await page.getByLabel("API token").getAttribute("type")).toBe("password")
    expect(await page.getByRole("navigation", { name: "Main" }).count()).toBe(0)
    expect(await page.content()).not.toContain("render-report")
    await shot(page, "auth-prompt")
    await signIn(page, "not-a-token")
    await page.getByRole("alert").filter({ hasText: "That token was refused" }).waitFor()
    await signIn(page, TOKENS.worker)
    await page.getByRole("alert").filter({ hasText: "A worker token cannot read the dashboard" }).waitFor()
    expect(await page.content()).not.toContain("render-report")
    expect(errors).toEqual([])
    await page.context().close()
  })

  it("a producer token gets a read-only view: data shown, actions hidden", async () => {
    const { page, errors } = await openPage(browser)
    await page.goto(`${master.url}/ui/`)
    await signIn(page, TOKENS.producer)
    await page.getByRole("rowheader", { name: "billing" }).waitFor()
    expect(await page.getByText("read-only").isVisible()).toBe(true)
    await page.goto(`${master.url}/ui/jobs/${data.failedId}`)
    await page.getByText("report template missing").first().waitFor()
    expect(await page.getByRole("button", { name: "Retry" }).count()).toBe(0)
    expect(await page.getByRole("button", { name: "Cancel" }).count()).toBe(0)
    await page.goto(`${master.url}/ui/jobs?queue=billing`)
    await page.getByRole("link", { name: String(data.billingFailed[0]), exact: true }).waitFor()
    expect(await page.getByRole("checkbox").count()).toBe(0)
    expect(await page.getByRole("region", { name: "Bulk actions" }).count()).toBe(0)
    await page.goto(`${master.url}/ui/schedules`)
    await page.getByRole("rowheader", { name: "nightly-report" }).waitFor()
    expect(await page.getByRole("button", { name: /^(Pause|Resume) / }).count()).toBe(0)
    await shot(page, "auth-producer-schedules")
    expect(errors).toEqual([])
    await page.context().close()
  })

  it("an admin token can act, and the token lasts for the tab's session (a reload keeps it; Sign out forgets it)", async () => {
    const { page, errors } = await openPage(browser)
    await page.goto(`${master.url}/ui/jobs/${data.failedId}`)
    await signIn(page, TOKENS.admin)
    await page.getByRole("button", { name: "Retry" }).waitFor()
    await page.reload()
    await page.getByRole("button", { name: "Retry" }).waitFor()
    await page.getByRole("button", { name: "Sign out" }).click()
    await page.getByRole("heading", { name: "Sign in to Leasehold" }).waitFor()
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
    expect(errors).toEqual([])
    await page.context().close()
  })
})
