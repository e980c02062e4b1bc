import { connect, createServer, type Server, type Socket } from "node:net"

/** A TCP proxy in front of PostgreSQL that can reset connections the way a restarting server does. */
export interface ResettingProxy {
  readonly port: number
  /** Resets (RST) every open connection, and then each of the next `n` new connections when its client sends its first query. */
  readonly resetAllThenFirstQueries: (n: number) => void
  /** Connections reset at their first query so far. */
  readonly resetAtQuery: () => number
  readonly close: () => Promise<void>
}

/** The frontend messages that start a query (Query, Parse); the startup and password messages come before. */
const QUERY_TYPES = new Set(["Q".charCodeAt(0), "P".charCodeAt(0)])

/**
 * Starts the proxy on 127.0.0.1 in front of `target`. A connection armed to reset passes its startup and
 * authentication through, and is reset when the client sends its first query: postgres.js's
 * per-connection type lookup, when it runs one, or else the first real statement.
 */
export const startResettingProxy = async (target: { host: string; port: number }): Promise<ResettingProxy> => {
  const open = new Set<{ client: Socket; server: Socket }>()
  let armed = 0
  let resets = 0
  const server: Server = createServer((client) => {
    const upstream = connect(target)
    const pair = { client, server: upstream }
    open.add(pair)
    const resetThis = armed > 0
    if (resetThis) armed--
    let startupSeen = false
    client.on("data", (chunk: Buffer) => {
      const first = chunk[0]
      if (resetThis && startupSeen && first !== undefined && QUERY_TYPES.has(first)) {
        resets++
        client.resetAndDestroy()
        upstream.resetAndDestroy()
        return
      }
      startupSeen = true
      upstream.write(chunk)
    })
    upstream.on("data", (chunk) => client.write(chunk))
    const drop = () => {
      open.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on("close", drop).on("error", drop)
    upstream.on("close", drop).on("error", drop)
  })
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok))
  const address = server.address()
  const port = typeof address === "object" && address ? address.port : 0
  return {
    port,
    resetAllThenFirstQueries: (n) => {
      armed = n
      for (const pair of open) {
        pair.client.resetAndDestroy()
        pair.server.resetAndDestroy()
      }
      open.clear()
    },
    resetAtQuery: () => resets,
    close: () =>
      new Promise<void>((ok) => {
        for (const pair of open) pair.client.destroy(), pair.server.destroy()
        server.close(() => ok())
      })
  }
}
