/**
 * Reconnect delay in seconds while PostgreSQL is down. postgres.js backs off up to 20 s by default, which
 * would hold requests that long; a short constant delay makes calls fail fast (503) during an outage and
 * lets the pool reconnect within a fraction of a second when the database is back.
 */
const RECONNECT_BACKOFF_SECONDS = "0.25"
/** Give up on an unreachable host after this many seconds (postgres.js default: 30). */
const CONNECT_TIMEOUT_SECONDS = "5"

/** Adds the driver's outage settings to a connection URL unless the URL sets them itself. */
export const withOutageSettings = (url: string): string => {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return url
  }
  if (!u.searchParams.has("backoff")) u.searchParams.set("backoff", RECONNECT_BACKOFF_SECONDS)
  if (!u.searchParams.has("connect_timeout")) u.searchParams.set("connect_timeout", CONNECT_TIMEOUT_SECONDS)
  return u.toString()
}
