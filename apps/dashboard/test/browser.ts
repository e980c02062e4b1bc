import { existsSync, mkdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { chromium, type Browser, type Page } from "playwright-core"

/** Debian's chromium (`apt-get install -y chromium`); CHROMIUM_PATH overrides. Never downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

/** In CI a missing browser fails the run; elsewhere the browser tests are skipped with a message. */
export const browserTestsRun = existsSync(CHROMIUM) || process.env.CI !== undefined
if (!existsSync(CHROMIUM))
  process.stderr.write(
    `[dashboard browser tests] no Chromium at ${CHROMIUM}: ${process.env.CI ? "FAILING (CI)" : "skipped"}; install it with apt-get install -y chromium or set CHROMIUM_PATH\n`
  )

/** Where screenshots go (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/", import.meta.url))

const DIST_INDEX = fileURLToPath(new URL("../dist/index.html", import.meta.url))

/** Launches headless Chromium with a fresh profile (Playwright gives each launch its own temporary user-data-dir). */
export const launchBrowser = async (): Promise<Browser> => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`)
  if (!existsSync(DIST_INDEX)) throw new Error("the dashboard is not built: run `pnpm --filter @leasehold/dashboard build` first (its test script does)")
  mkdirSync(ARTIFACTS, { recursive: true })
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
  })
}

/** A page whose uncaught errors are collected (each test ends by expecting none). */
export const openPage = async (browser: Browser, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; errors: string[] }> => {
  const context = await browser.newContext({ viewport, timezoneId: "Europe/Berlin" })
  const page = await context.newPage()
  const errors: string[] = []
  page.on("pageerror", (e) => errors.push(String(e)))
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource: the server responded with a status of (401|404|409)/.test(m.text())) errors.push(`console: ${m.text()}`)
  })
  return { page, errors }
}

/** Saves a screenshot artifact named after the step. */
export const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true })

/** Polls `probe` until it answers truthy (no fixed sleeps; a deadline instead). */
export const until = async <A>(probe: () => Promise<A | null | undefined | false>, what: string, timeoutMs = 15_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`not reached before the deadline: ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
