import { connect, type Socket } from "node:net"

/** The part of postgres.js's parsed options a socket factory reads. */
interface SocketTarget {
  readonly host: ReadonlyArray<string>
  readonly port: ReadonlyArray<number>
  readonly path?: string | false
}

/**
 * A socket factory for postgres.js that turns Nagle's algorithm off, as libpq does on every connection.
 * postgres.js writes a query in several pieces (it flushes at 1 KiB and then on the next tick), so with
 * Nagle on a small trailing piece (Execute, Sync) can wait for the server's delayed ACK: a few to 40 ms
 * on a request that otherwise takes one. The socket is handed back still connecting, so postgres.js's
 * own error, close and connect-timeout handling (and TLS upgrade) apply as with its default socket; the
 * hosts of a multi-host URL are tried in turn, one per new connection, like postgres.js does.
 */
export const noDelaySocketFactory = () => {
  let next = 0
  return (target: SocketTarget): Socket => {
    const i = next++ % Math.max(1, target.host.length)
    const host = target.host[i] ?? "localhost"
    const socket = target.path ? connect(target.path) : connect({ host, port: target.port[i] ?? target.port[0] ?? 5432 })
    socket.setNoDelay(true)
    // postgres.js reads these for TLS server names and error messages on its own sockets.
    Object.assign(socket, { host, port: target.port[i] ?? target.port[0] })
    return socket
  }
}
