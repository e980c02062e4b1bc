import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import { startMaster, type RunningMaster, type StartOptions } from "../src/startMaster.ts"
import type { MasterConfig } from "../src/config.ts"
import { silentLogger, type Logger } from "../src/http/Logger.ts"

/** A JSON answer: status, parsed body (or text when not JSON), headers. */
export interface Answer {
  readonly status: number
  readonly body: any
  readonly headers: Headers
}

/** One way of sending a request to a master: in-process (`app.request`) or over a real socket. */
export type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Answer>

const toAnswer = async (res: Response): Promise<Answer> => {
  const text = await res.text()
  let body: unknown = text
  try {
    body = text.length ? JSON.parse(text) : null
  } catch {}
  return { status: res.status, body, headers: res.headers }
}

const init = (method: string, body?: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
  body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body)
})

/** Calls through a real TCP socket. */
export const socketCall = (baseUrl: string): Call => async (method, path, body, headers) => toAnswer(await fetch(baseUrl + path, init(method, body, headers)))

/** Calls through Hono's in-process `app.request`. */
export const appCall = (master: RunningMaster): Call => async (method, path, body, headers) =>
  toAnswer(await master.app.request(path, init(method, body, headers)))

/** A master on a fresh test database, with both ways of calling it. */
export interface MasterFixture {
  readonly db: TestDatabase
  readonly master: RunningMaster
  readonly http: Call
  readonly local: Call
  readonly close: () => Promise<void>
}

/** Starts a master on its own database (or on `db` when given, for several masters on one database). */
export const setupMaster = async (
  config: Partial<MasterConfig> = {},
  options: { readonly db?: TestDatabase; readonly log?: Logger; readonly seams?: StartOptions["seams"] } = {}
): Promise<MasterFixture> => {
  const db = options.db ?? (await createTestDatabase("lh_master"))
  const master = await startMaster({ databaseUrl: db.url, port: 0, poolMax: 4, ...config }, { log: options.log ?? silentLogger, seams: options.seams })
  return {
    db,
    master,
    http: socketCall(master.url),
    local: appCall(master),
    close: async () => {
      await master.stop()
      if (!options.db) await db.drop()
    }
  }
}

/** Polls `probe` until it returns a truthy value or the deadline passes. */
export const eventually = async <A>(probe: () => Promise<A | undefined | null | false>, timeoutMs = 10_000, everyMs = 20): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v) return v
    if (Date.now() > deadline) throw new Error("condition not met before the deadline")
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** A queue name unique to one test, so tests on one database do not see each other's jobs. */
export const uniqueQueue = (prefix = "q") => `${prefix}-${Math.random().toString(36).slice(2, 10)}`
