import { request } from "node:http"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { startMaster } from "../src/startMaster.ts"
import { setupMaster, uniqueQueue, type MasterFixture } from "./harness.ts"

/** Issue 9 §4: a web page its user opens must not drive a master (raw HTTP, so Host can be anything). */
interface Raw {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: any
}
const raw = (base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> =>
  new Promise((resolve, reject) => {
    const url = new URL(base)
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body ? { "content-length": String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        let parsed: unknown = text
        try {
          parsed = text ? JSON.parse(text) : null
        } catch {}
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed })
      })
    })
    req.on("error", reject)
    req.end(body)
  })

const JSON_TYPE = { "content-type": "application/json" }

let open: MasterFixture
let cors: MasterFixture
let port: string
beforeAll(async () => {
  open = await setupMaster()
  cors = await setupMaster({ corsOrigins: ["http://localhost:3000"] }, { db: open.db })
  port = new URL(open.master.url).port
})
afterAll(async () => {
  await cors?.close()
  await open?.close()
})

const jobsOfType = async (type: string) => (await open.http("GET", `${API_BASE}/jobs?type=${type}&limit=10`)).body.jobs as Array<unknown>

describe("an open master (no tokens)", () => {
  it("refuses the issue's DNS-rebinding request and enqueues nothing", async () => {
    const type = `csrf-${uniqueQueue()}`
    const a = await raw(open.master.url, "POST", `${API_BASE}/jobs`, { host: "rebind.evil.example:8080", origin: "http://rebind.evil.example:8080", "content-type": "text/plain" }, JSON.stringify({ type }))
    expect([a.status, a.body.error.code]).toEqual([403, "forbidden"])
    expect(a.body.error.message).toMatch(/loopback/)
    expect(await jobsOfType(type)).toEqual([])
  })
  it("answers only loopback Host names, on the API and the service endpoints", async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, "LOCALHOST", `127.0.0.2:${port}`, `app.localhost:${port}`])
      expect([host, (await raw(open.master.url, "GET", `${API_BASE}/stats`, { host })).status]).toEqual([host, 200])
    for (const host of ["evil.example", `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, "10.0.0.1", `localhost.evil.example:${port}`, "[::2]"]) {
      for (const path of [`${API_BASE}/jobs`, "/metrics"]) {
        const a = await raw(open.master.url, "GET", path, { host })
        expect([host, path, a.status, a.body?.error?.code]).toEqual([host, path, 403, "forbidden"])
      }
    }
  })
  it("takes only JSON bodies: text/plain, form and multipart are 415 with the envelope", async () => {
    const type = `ct-${uniqueQueue()}`
    const body = JSON.stringify({ type })
    for (const contentType of ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonp"]) {
      const a = await raw(open.master.url, "POST", `${API_BASE}/jobs`, { host: `127.0.0.1:${port}`, "content-type": contentType }, body)
      expect([contentType, a.status, a.body.error.code]).toEqual([contentType, 415, "unsupported_media_type"])
    }
    const none = await raw(open.master.url, "POST", `${API_BASE}/jobs`, { host: `127.0.0.1:${port}` }, body)
    expect([none.status, none.body.error.code]).toEqual([415, "unsupported_media_type"])
    expect(await jobsOfType(type)).toEqual([])
    const ok = await raw(open.master.url, "POST", `${API_BASE}/jobs`, { host: `127.0.0.1:${port}`, "content-type": "application/json; charset=utf-8" }, body)
    expect(ok.status).toBe(201)
    const cancel = await raw(open.master.url, "POST", `${API_BASE}/jobs/${ok.body.job.id}/cancel`, { host: `127.0.0.1:${port}` })
    expect(cancel.status).toBe(200)
  })
  it("refuses a cross-origin request that changes state, and sends no CORS headers", async () => {
    const type = `origin-${uniqueQueue()}`
    const body = JSON.stringify({ type })
    const host = `127.0.0.1:${port}`
    const refused: Array<Record<string, string>> = [{ origin: "http://evil.example" }, { origin: "null" }, { origin: `http://localhost:${port}` }, { "sec-fetch-site": "cross-site" }]
    for (const headers of refused) {
      const a = await raw(open.master.url, "POST", `${API_BASE}/jobs`, { host, ...JSON_TYPE, ...headers }, body)
      expect([headers, a.status, a.body.error.code]).toEqual([headers, 403, "forbidden"])
      expect(a.headers["access-control-allow-origin"]).toBeUndefined()
    }
    const del = await raw(open.master.url, "DELETE", `${API_BASE}/schedules/none`, { host, origin: "http://evil.example" })
    expect(del.status).toBe(403)
    expect(await jobsOfType(type)).toEqual([])
    const same = await raw(open.master.url, "POST", `${API_BASE}/jobs`, { host, ...JSON_TYPE, origin: `http://${host}`, "sec-fetch-site": "same-origin" }, body)
    expect(same.status).toBe(201)
    const read = await raw(open.master.url, "GET", `${API_BASE}/stats`, { host, origin: "http://evil.example" })
    expect(read.status).toBe(200)
    expect(read.headers["access-control-allow-origin"]).toBeUndefined()
    const preflight = await raw(open.master.url, "OPTIONS", `${API_BASE}/jobs`, { host, origin: "http://evil.example", "access-control-request-method": "POST" })
    expect([preflight.status, preflight.body.error.code, preflight.headers["access-control-allow-origin"]]).toEqual([403, "forbidden", undefined])
  })
})

describe("--cors-origin", () => {
  it("answers preflights and requests of the configured origin only", async () => {
    const host = `127.0.0.1:${new URL(cors.master.url).port}`
    const origin = "http://localhost:3000"
    const preflight = await raw(cors.master.url, "OPTIONS", `${API_BASE}/jobs`, { host, origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" })
    expect(preflight.status).toBe(204)
    expect(preflight.headers).toMatchObject({ "access-control-allow-origin": origin, vary: "Origin" })
    expect(preflight.headers["access-control-allow-methods"]).toContain("POST")
    expect(preflight.headers["access-control-allow-headers"]).toContain("content-type")
    const post = await raw(cors.master.url, "POST", `${API_BASE}/jobs`, { host, origin, "sec-fetch-site": "same-site", ...JSON_TYPE }, JSON.stringify({ type: "from-dashboard", queue: uniqueQueue() }))
    expect([post.status, post.headers["access-control-allow-origin"]]).toEqual([201, origin])
    const other = await raw(cors.master.url, "OPTIONS", `${API_BASE}/jobs`, { host, origin: "http://localhost:3001", "access-control-request-method": "POST" })
    expect([other.status, other.headers["access-control-allow-origin"]]).toEqual([403, undefined])
    const otherPost = await raw(cors.master.url, "POST", `${API_BASE}/jobs`, { host, origin: "http://localhost:3001", ...JSON_TYPE }, JSON.stringify({ type: "t" }))
    expect(otherPost.status).toBe(403)
  })
})

describe("token files", () => {
  it("a master reads its tokens from files, and then answers any Host", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lh-master-tokens-"))
    writeFileSync(join(dir, "admin"), "adm-1\nadm-2\n")
    writeFileSync(join(dir, "worker"), "wrk-1")
    const master = await startMaster({ databaseUrl: open.db.url, port: 0, poolMax: 2, adminTokenFile: join(dir, "admin"), workerTokenFile: join(dir, "worker") })
    try {
      const host = "leasehold.internal.example:8080"
      expect((await raw(master.url, "GET", `${API_BASE}/stats`, { host })).status).toBe(401)
      for (const token of ["adm-1", "adm-2"]) expect((await raw(master.url, "GET", `${API_BASE}/stats`, { host, authorization: `Bearer ${token}` })).status).toBe(200)
      expect((await raw(master.url, "GET", `${API_BASE}/stats`, { host, authorization: "Bearer wrk-1" })).status).toBe(403)
    } finally {
      await master.stop()
    }
    await expect(startMaster({ databaseUrl: open.db.url, port: 0, adminTokenFile: join(dir, "absent") })).rejects.toThrow(`--admin-token-file ${join(dir, "absent")}: cannot read the token file (no such file)`)
  })
})
