/** "3m 2s", "1h 5m", "2d 4h": the two largest units of a duration, as the CLI prints them. */
export const formatDuration = (ms: number): string => {
  const s = Math.max(0, Math.round(Math.abs(ms) / 1000))
  const units: Array<[string, number]> = [["d", 86_400], ["h", 3_600], ["m", 60], ["s", 1]]
  const parts: string[] = []
  let rest = s
  for (const [name, size] of units) {
    const n = Math.floor(rest / size)
    if (n > 0 || (parts.length === 0 && size === 1)) parts.push(`${n}${name}`)
    rest -= n * size
    if (parts.length === 2) break
  }
  return parts.join(" ")
}

/** "3m 2s ago" / "in 5m" relative to `now`. */
export const formatRelative = (iso: string, now: number): string => {
  const diff = Date.parse(iso) - now
  if (Math.abs(diff) < 1000) return "now"
  return diff < 0 ? `${formatDuration(diff)} ago` : `in ${formatDuration(diff)}`
}

/** The UTC time shown on hover: "2026-12-06 05:31:02 UTC". */
export const formatUtc = (iso: string): string => `${new Date(iso).toISOString().replace("T", " ").slice(0, 19)} UTC`

/** Thousands separators for counts. */
export const formatCount = (n: number): string => n.toLocaleString("en-US")
