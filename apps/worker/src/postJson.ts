import { Agent as HttpAgent, request as httpRequest } from "node:http"
import { Agent as HttpsAgent, request as httpsRequest } from "node:https"

/** A JSON answer: status and parsed body (undefined when empty or not JSON). */
export interface JsonAnswer {
  readonly status: number
  readonly json: unknown
}

/**
 * Keep-alive agents: a worker talks to one master all the time, so connections are reused;
 * 64 sockets cover a long-poll, renew and ack in flight with room to spare.
 */
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 })
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 })

/**
 * POSTs a JSON body with `node:http` (lighter per call than fetch, which matters at thousands of
 * calls per second on the same cores as the master). Rejects on network errors, abort or timeout.
 */
export const postJson = (
  url: URL,
  body: string,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
  timeoutMs: number
): Promise<JsonAnswer> =>
  new Promise((resolve, reject) => {
    let settled = false
    const fail = (error: Error) => {
      if (settled) return
      settled = true
      reject(error)
    }
    const secure = url.protocol === "https:"
    const req = (secure ? httpsRequest : httpRequest)(
      url,
      {
        method: "POST",
        agent: secure ? httpsAgent : httpAgent,
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
        signal,
        timeout: timeoutMs
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("error", fail)
        res.on("close", () => fail(new Error("connection closed before the answer was complete")))
        res.on("end", () => {
          if (settled) return
          settled = true
          const text = Buffer.concat(chunks).toString("utf8")
          let json: unknown = undefined
          try {
            json = text.length > 0 ? JSON.parse(text) : undefined
          } catch {
            json = undefined
          }
          resolve({ status: res.statusCode ?? 0, json })
        })
      }
    )
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on("error", fail)
    req.on("close", () => fail(new Error("connection closed before an answer")))
    req.end(body)
  })
