/**
 * Parses PostgreSQL's text output of a timestamptz ("2026-05-01 10:00:00.123456+00", any session
 * TimeZone offset such as "-05", "+05:30" or "-04:56:02") into a Date without the engine's slow generic date
 * parser; anything else (infinity, BC, odd offsets) falls back to `new Date`. Hot: every leased row
 * carries five of them.
 */
export const parseTimestamptz = (text: string): Date => {
  const n = text.length
  if (n < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32 || n > 35) return new Date(text)
  const d = (i: number) => text.charCodeAt(i) - 48
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3)
  if (year < 1000) return new Date(text)
  const month = d(5) * 10 + d(6)
  const day = d(8) * 10 + d(9)
  const hour = d(11) * 10 + d(12)
  const minute = d(14) * 10 + d(15)
  const second = d(17) * 10 + d(18)
  let i = 19
  let ms = 0
  if (text.charCodeAt(i) === 46) {
    let scale = 100
    i++
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c < 48 || c > 57) break
      ms += (c - 48) * scale
      scale /= 10
      i++
    }
    ms = Math.floor(ms)
  }
  const sign = text.charCodeAt(i)
  if ((sign !== 43 && sign !== 45) || (n !== i + 3 && n !== i + 6 && n !== i + 9)) return new Date(text)
  let offsetSeconds = (d(i + 1) * 10 + d(i + 2)) * 3600
  if (n >= i + 6) offsetSeconds += (d(i + 4) * 10 + d(i + 5)) * 60
  if (n === i + 9) offsetSeconds += d(i + 7) * 10 + d(i + 8)
  if (sign === 45) offsetSeconds = -offsetSeconds
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetSeconds * 1000
  return Number.isNaN(utc) ? new Date(text) : new Date(utc)
}
