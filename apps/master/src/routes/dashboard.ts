import { Hono, type Context } from "hono"
import { DEFAULT_DASHBOARD_DIR, readDashboardFile, readIndex } from "../dashboard/dashboardFiles.ts"
import type { MasterDeps } from "../MasterDeps.ts"

/** SPEC "Dashboard": no inline script and no other origin; styles and images from this origin only too. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join("; ")

/** Vite names every file under assets/ by its content hash, so a year-long immutable cache is safe. */
const ASSET_CACHE = "public, max-age=31536000, immutable"

const PAGE_HEADERS = {
  "content-security-policy": DASHBOARD_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache"
}

const notBuilt = (dir: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Leasehold dashboard not built</title></head>
<body><h1>The dashboard is not built</h1>
<p>This master serves the dashboard from <code>${dir.replace(/[<>&]/g, "")}</code>, which has no <code>index.html</code>.</p>
<p>Build it with <code>pnpm build</code> (or <code>pnpm --filter @leasehold/dashboard build</code>) at the repository root and reload;
or point the master at a built copy with <code>--dashboard-dir</code>. The API under <code>/api/v1</code> works meanwhile.</p>
</body></html>`

/** Serves the built dashboard at /ui/: hashed assets cached for a year, every other path the app's index page (deep links). */
export const dashboardRoutes = (deps: MasterDeps) => {
  const dir = deps.config.dashboardDir ?? DEFAULT_DASHBOARD_DIR
  const app = new Hono()
  const page = async (c: Context) => {
    const index = await readIndex(dir)
    if (index === undefined) return c.html(notBuilt(dir), 503, PAGE_HEADERS)
    return c.body(index.body as Uint8Array<ArrayBuffer>, 200, { ...PAGE_HEADERS, "content-type": index.type })
  }
  app.get("/ui", page)
  app.get("/ui/*", async (c) => {
    let relative: string
    try {
      relative = decodeURIComponent(c.req.path.slice("/ui/".length))
    } catch {
      return c.text("not found", 404)
    }
    const isAsset = relative.startsWith("assets/") || /^[^/]+\.[a-z0-9]+$/i.test(relative)
    if (!isAsset || relative === "index.html") return page(c)
    const file = await readDashboardFile(dir, relative)
    if (file === undefined) return c.text("not found", 404, { "x-content-type-options": "nosniff" })
    const cache = relative.startsWith("assets/") ? ASSET_CACHE : "public, max-age=300"
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, { "content-type": file.type, "cache-control": cache, "x-content-type-options": "nosniff" })
  })
  return app
}
