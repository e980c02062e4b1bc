import { Agent, request } from "node:http"

/** A minimal keep-alive JSON client, so the benchmark measures the master rather than the client. */
export const makeClient = (baseUrl: string, sockets = 64) => {
  const url = new URL(baseUrl)
  const agent = new Agent({ keepAlive: true, maxSockets: sockets })
  const call = (method: string, path: string, body?: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
        },
        (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (c: Buffer) => chunks.push(c))
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }))
          res.on("error", reject)
        }
      )
      req.on("error", reject)
      req.end(body)
    })
  const json = async (method: string, path: string, body?: unknown) => {
    const r = await call(method, path, body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body))
    if (r.status >= 300) throw new Error(`${method} ${path} -> ${r.status} ${r.text.slice(0, 300)}`)
    return JSON.parse(r.text) as any
  }
  return { call, json, close: () => agent.destroy() }
}
