import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import type { JobStoreShape } from "@leasehold/core"
import { buildApp } from "../app.ts"
import { resolveConfig, type MasterConfig } from "../config.ts"
import { silentLogger } from "../http/Logger.ts"
import { makeLeaseWaiters } from "../longPoll/LeaseWaiters.ts"
import { makeMetrics } from "../metrics/Metrics.ts"
import { makeWorkerRegistry } from "../registry/WorkerRegistry.ts"

const root = mkdtempSync(join(tmpdir(), "lh-dash-"))
const built = join(root, "dist")
mkdirSync(join(built, "assets"), { recursive: true })
writeFileSync(join(built, "index.html"), '<!doctype html><script type="module" src="/ui/assets/index-abc123.js"></script>')
writeFileSync(join(built, "assets", "index-abc123.js"), "console.log(1)")
writeFileSync(join(built, "favicon.svg"), "<svg/>")
writeFileSync(join(root, "secret.txt"), "TOP-SECRET-CONTENT")
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** The master's app over a store nobody calls (these routes never reach it). */
const appWith = (config: Partial<MasterConfig>) => {
  const store = {} as JobStoreShape
  return buildApp({
    store,
    config: resolveConfig(config),
    log: silentLogger,
    metrics: makeMetrics(async () => null),
    waiters: makeLeaseWaiters(),
    workers: makeWorkerRegistry(store, silentLogger),
    ping: async () => {}
  })
}

describe("the dashboard at /ui/", () => {
  const app = appWith({ dashboardDir: built })

  it("serves the app's page at /ui, /ui/ and every deep link, with the CSP and no caching", async () => {
    for (const path of ["/ui", "/ui/", "/ui/jobs/42", "/ui/workflows/7", "/ui/queues/a.b", "/ui/index.html"]) {
      const res = await app.request(path)
      expect(res.status, path).toBe(200)
      expect(res.headers.get("content-type")).toContain("text/html")
      expect(await res.text()).toContain("index-abc123.js")
      const csp = res.headers.get("content-security-policy") ?? ""
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("default-src 'self'")
      expect(csp).not.toContain("unsafe-inline")
      expect(csp).not.toMatch(/https?:/)
      expect(res.headers.get("cache-control")).toBe("no-cache")
    }
  })

  it("serves hashed assets with a year-long immutable cache, other files briefly", async () => {
    const js = await app.request("/ui/assets/index-abc123.js")
    expect(js.status).toBe(200)
    expect(js.headers.get("content-type")).toContain("text/javascript")
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")
    expect(await js.text()).toBe("console.log(1)")
    const icon = await app.request("/ui/favicon.svg")
    expect([icon.status, icon.headers.get("content-type"), icon.headers.get("cache-control")]).toEqual([200, "image/svg+xml", "public, max-age=300"])
  })

  it("answers 404 for a missing asset and never serves a file outside the build", async () => {
    expect((await app.request("/ui/assets/missing-1.js")).status).toBe(404)
    for (const path of ["/ui/../secret.txt", "/ui/assets/..%2f..%2fsecret.txt", "/ui/%2e%2e/secret.txt", "/ui/assets/%E0%A4%A.js"]) {
      const res = await app.request(path)
      expect(await res.text(), path).not.toContain("TOP-SECRET-CONTENT")
    }
  })

  it("says how to build it when the build is missing (503, the API unaffected)", async () => {
    const res = await appWith({ dashboardDir: join(root, "nowhere") }).request("/ui/jobs/1")
    expect(res.status).toBe(503)
    const text = await res.text()
    expect(text).toContain("pnpm build")
    expect(text).toContain("--dashboard-dir")
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'")
  })
})

describe("GET /api/v1/whoami", () => {
  it("answers admin on an open master", async () => {
    const res = await appWith({}).request("/api/v1/whoami")
    expect(await res.json()).toEqual({ role: "admin", auth: false })
  })
  it("answers each token's role; no token is 401", async () => {
    const app = appWith({ adminTokens: ["a"], producerTokens: ["p"], workerTokens: ["w"] })
    const who = async (t: string) => (await app.request("/api/v1/whoami", { headers: { authorization: `Bearer ${t}` } })).json()
    expect(await who("a")).toEqual({ role: "admin", auth: true })
    expect(await who("p")).toEqual({ role: "producer", auth: true })
    expect(await who("w")).toEqual({ role: "worker", auth: true })
    expect((await app.request("/api/v1/whoami")).status).toBe(401)
  })
})
