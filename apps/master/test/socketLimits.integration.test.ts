import { connect, type Socket } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import { silentLogger } from "../src/http/Logger.ts"
import { DEFAULT_SOCKET_LIMITS, type SocketLimits } from "../src/http/socketLimits.ts"
import { startMaster, type RunningMaster } from "../src/startMaster.ts"
import { eventually, socketCall } from "./harness.ts"

/** Short limits so the server's closing is seen quickly; what is asserted is that it closes, not when. */
const LIMITS: SocketLimits = { keepAliveMs: 300, headersMs: 400, requestMs: 800, idleMs: 600, checkIntervalMs: 100 }

let db: TestDatabase
let master: RunningMaster
let port: number
const sockets: Array<Socket> = []
beforeAll(async () => {
  db = await createTestDatabase("lh_sockets")
  master = await startMaster({ databaseUrl: db.url, port: 0, poolMax: 4 }, { log: silentLogger, socketLimits: LIMITS })
  port = master.port
})
afterAll(async () => {
  for (const s of sockets) s.destroy()
  await master?.stop()
  await db?.drop()
})

/** A raw TCP connection to the master that records whether the server closed it and what it answered. */
const open = async () => {
  const socket = connect({ host: "127.0.0.1", port })
  sockets.push(socket)
  const state = { closed: false, received: "" }
  socket.on("data", (d) => (state.received += String(d)))
  socket.on("close", () => (state.closed = true))
  socket.on("error", () => {})
  await new Promise<void>((ok) => socket.once("connect", () => ok()))
  return { socket, state }
}

/** Sends `start`, then `piece` every 100 ms (never idle long enough for the idle limit) until the server closes. */
const trickleUntilClosed = async (start: string, piece: string) => {
  const c = await open()
  c.socket.write(start)
  const trickle = setInterval(() => c.socket.writable && c.socket.write(piece), 100)
  try {
    await eventually(async () => c.state.closed, 60_000)
  } finally {
    clearInterval(trickle)
  }
}

describe("every idle or slow connection has a bounded lifetime", () => {
  it("closes connections that never send a request", async () => {
    const idle = await Promise.all(Array.from({ length: 50 }, open))
    await eventually(async () => idle.every((c) => c.state.closed), 60_000)
  })

  it("closes a keep-alive connection left idle after its response", async () => {
    const c = await open()
    c.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`)
    await eventually(async () => c.state.received.includes("200 OK"))
    await eventually(async () => c.state.closed, 60_000)
  })

  it("closes a client that trickles its headers, even though it never goes quiet", async () => {
    await trickleUntilClosed(`POST ${API_BASE}/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n`, "X-Slow: a\r\n")
  })

  it("closes a client that trickles its body", async () => {
    await trickleUntilClosed(`POST ${API_BASE}/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"type":"`, "a")
  })

  it("still answers a long-poll that waits longer than every one of those limits", async () => {
    const waitMs = 3 * Math.max(LIMITS.idleMs, LIMITS.requestMs, LIMITS.keepAliveMs, LIMITS.headersMs)
    const r = await socketCall(master.url)("POST", `${API_BASE}/jobs/lease`, { worker_id: "w", queues: ["empty"], wait_ms: waitMs })
    expect([r.status, r.body.jobs]).toEqual([200, []])
  })

  it("the production limits leave room for the longest long-poll (wait_ms 30 s)", () => {
    expect(DEFAULT_SOCKET_LIMITS.requestMs).toBeGreaterThan(30_000)
    expect(DEFAULT_SOCKET_LIMITS.idleMs).toBeGreaterThan(DEFAULT_SOCKET_LIMITS.keepAliveMs)
    expect(DEFAULT_SOCKET_LIMITS.headersMs).toBeLessThanOrEqual(DEFAULT_SOCKET_LIMITS.requestMs)
  })
})
