/**
 * Whether a `Host` header names this machine's loopback: localhost (or a name under .localhost),
 * 127.0.0.0/8 or [::1], with any port. A DNS-rebinding page reaches a loopback master under its own
 * name (`rebind.evil.example:8080`), so an open master refuses every other Host.
 */
export const isLoopbackHost = (host: string): boolean => {
  const h = host.trim().toLowerCase()
  const name = h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.replace(/:\d*$/, "")
  const port = h.slice(name.length)
  if (port !== "" && !/^:\d{1,5}$/.test(port)) return false
  if (name === "localhost" || name.endsWith(".localhost")) return /^[a-z0-9.-]+$/.test(name)
  if (name === "[::1]") return true
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name)
  return v4 !== null && v4.slice(1).every((octet) => Number(octet) <= 255)
}
