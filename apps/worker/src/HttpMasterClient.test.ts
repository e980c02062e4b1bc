import { createServer, type Server } from "node:http"
import { afterEach, describe, expect, it } from "vitest"
import { Effect, Fiber } from "effect"
import { makeHttpMasterClient } from "./HttpMasterClient.ts"

let server: Server | undefined
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)))
  server = undefined
})

/** A stand-in HTTP endpoint answering a fixed status and body, recording what it received. */
const answer = async (status: number, body: unknown) => {
  const seen: Array<{ url: string; auth: string | undefined; body: unknown }> = []
  server = createServer((req, res) => {
    let data = ""
    req.on("data", (c) => (data += c))
    req.on("end", () => {
      seen.push({ url: req.url ?? "", auth: req.headers.authorization, body: JSON.parse(data) })
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))
    })
  })
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r))
  const address = server.address()
  const port = typeof address === "object" && address ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, seen }
}

const ack = { worker_id: "w", items: [{ job_id: 1, lease_token: "t", outcome: "completed" as const }] }

describe("makeHttpMasterClient", () => {
  it("posts to the contract's route with the bearer token and decodes the answer", async () => {
    const { url, seen } = await answer(200, { results: [{ job_id: 1, ok: true }] })
    const client = makeHttpMasterClient({ url: `${url}/`, token: "tok" })
    const result = await Effect.runPromise(client.ack(ack))
    expect(result.results).toEqual([{ job_id: 1, ok: true }])
    expect(seen[0]).toEqual({ url: "/api/v1/leases/ack", auth: "Bearer tok", body: ack })
  })

  it("classifies answers: 503 unavailable, 500 internal, 409 lease_lost, other 4xx rejected, malformed answers rejected", async () => {
    const cases: Array<[number, unknown, string]> = [
      [503, { error: { code: "unavailable", message: "db down" } }, "Unavailable"],
      [500, { error: { code: "internal", message: "bug" } }, "Internal"],
      [409, { error: { code: "lease_lost", message: "gone" } }, "LeaseLost"],
      [401, { error: { code: "unauthorized", message: "no" } }, "Rejected"],
      [200, { nonsense: true }, "Rejected"]
    ]
    for (const [status, body, reason] of cases) {
      const { url } = await answer(status, body)
      const error = await Effect.runPromise(Effect.flip(makeHttpMasterClient({ url }).ack(ack)))
      expect(error.reason).toBe(reason)
      await new Promise((r) => server!.close(r))
      server = undefined
    }
  })

  it("treats an unreachable master as transient", async () => {
    const error = await Effect.runPromise(Effect.flip(makeHttpMasterClient({ url: "http://127.0.0.1:1" }).ack(ack)))
    expect(error.reason).toBe("Unavailable")
  })
  it("aborts the HTTP request of an interrupted long-poll (stop does not wait out wait_ms)", async () => {
    let closed: () => void = () => {}
    const requestClosed = new Promise<void>((r) => (closed = r))
    let received: () => void = () => {}
    const requestReceived = new Promise<void>((r) => (received = r))
    server = createServer((req, res) => {
      req.resume()
      received()
      res.on("close", () => closed())
    })
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r))
    const address = server.address()
    const port = typeof address === "object" && address ? address.port : 0
    const client = makeHttpMasterClient({ url: `http://127.0.0.1:${port}` })
    const fiber = Effect.runFork(client.lease({ worker_id: "w", queues: ["default"], max_jobs: 1, wait_ms: 600_000 }))
    await requestReceived
    await Effect.runPromise(Fiber.interrupt(fiber))
    await requestClosed
    expect(fiber.pollUnsafe()?._tag).toBe("Failure")
  })
})
