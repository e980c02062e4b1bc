import { spawn, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"
import { createTestDatabase, freePort, type TestDatabase } from "@leasehold/tooling"

const ROOT = fileURLToPath(new URL("../../..", import.meta.url))
const MASTER_MAIN = fileURLToPath(new URL("../../master/src/main.ts", import.meta.url))

/** A real master process on its own test database, serving the built dashboard. */
export interface MasterProcess {
  readonly url: string
  /** Calls the API as `token` (or the admin token when tokens are configured, or none). */
  readonly api: <T = any>(method: string, path: string, body?: unknown, token?: string) => Promise<{ status: number; body: T }>
  readonly close: () => Promise<void>
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())))

/**
 * Spawns `apps/master/src/main.ts` (tokens optional) and waits until `/healthz` answers. It runs on a fresh
 * test database dropped at close, or on `databaseUrl` (kept: scripts/figures.ts measures a seeded one).
 */
export const startMasterProcess = async (
  tokens: { admin?: string; producer?: string; worker?: string } = {},
  options: { readonly databaseUrl?: string; readonly args?: ReadonlyArray<string> } = {}
): Promise<MasterProcess> => {
  const db: Pick<TestDatabase, "url" | "drop"> = options.databaseUrl ? { url: options.databaseUrl, drop: async () => {} } : await createTestDatabase("lh_dash")
  const port = await freePort()
  const args = ["--import", "tsx", MASTER_MAIN, "--port", String(port), "--host", "127.0.0.1", "--database-url", db.url, "--log-level", "warn", "--pool-max", "4", ...(options.args ?? [])]
  if (tokens.admin) args.push("--admin-token", tokens.admin)
  if (tokens.producer) args.push("--producer-token", tokens.producer)
  if (tokens.worker) args.push("--worker-token", tokens.worker)
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] })
  let stderr = ""
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()))
  const url = `http://127.0.0.1:${port}`
  const close = async () => {
    if (child.exitCode === null) child.kill("SIGTERM")
    await exited(child)
    await db.drop()
  }
  const api = async (method: string, path: string, body?: unknown, token = tokens.admin) => {
    const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" }
    if (token) headers.authorization = `Bearer ${token}`
    const res = await fetch(`${url}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }
  const deadline = Date.now() + 90_000
  for (;;) {
    if (child.exitCode !== null) {
      await close()
      throw new Error(`master exited during start: ${stderr}`)
    }
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return { url, api, close }
    if (Date.now() > deadline) {
      await close()
      throw new Error(`master did not start within 90 s: ${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}
