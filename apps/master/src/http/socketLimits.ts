import type { Server, ServerOptions } from "node:http"
import { WAIT_MS_MAX } from "@leasehold/contracts"

/** How long a connection may stay idle or slow; every connection to the master has a bounded lifetime. */
export interface SocketLimits {
  /** An idle keep-alive connection between requests (load balancers expect more than their own 60 s). */
  readonly keepAliveMs: number
  /** From a request's first byte to its complete headers (slow-header clients). */
  readonly headersMs: number
  /** From a request's first byte to its complete body (slow-body clients); more than any long-poll. */
  readonly requestMs: number
  /** A socket with no request in flight and no traffic, including one that never sends a request. */
  readonly idleMs: number
  /** How often Node checks the header and request deadlines (its default is 30 s). */
  readonly checkIntervalMs: number
}

/** Production limits. The idle limit exceeds keep-alive so it only catches sockets keep-alive does not. */
export const DEFAULT_SOCKET_LIMITS: SocketLimits = {
  keepAliveMs: 65_000,
  headersMs: 20_000,
  requestMs: 60_000,
  idleMs: 75_000,
  checkIntervalMs: 5_000
}

/** Options for `http.createServer` that carry the limits Node enforces itself. */
export const socketServerOptions = (limits: SocketLimits): ServerOptions => ({
  keepAliveTimeout: limits.keepAliveMs,
  headersTimeout: limits.headersMs,
  requestTimeout: limits.requestMs,
  connectionsCheckingInterval: limits.checkIntervalMs
})

/**
 * Closes sockets idle for `idleMs` (Node closes keep-alive sockets only after a first response, so a
 * connection that never sends a request stayed open forever). While a request is in flight the socket
 * may be silent for a whole long-poll, so its inactivity limit is raised by the longest `wait_ms`.
 */
export const applySocketLimits = (server: Server, limits: SocketLimits): void => {
  server.keepAliveTimeout = limits.keepAliveMs
  server.setTimeout(limits.idleMs)
  server.on("request", (req) => req.socket.setTimeout(limits.idleMs + WAIT_MS_MAX))
}
