const digit = (text: string, i: number): number => text.charCodeAt(i) - 48

/**
 * Parses PostgreSQL's text output of a timestamptz ("2026-05-01 10:00:00.123456+00", any session
 * TimeZone offset such as "-05", "+05:30" or "-04:56:02") into a Date without the engine's slow generic date
 * parser; anything else (infinity, BC, odd offsets) falls back to `new Date`. Hot: every leased row
 * carries five of them.
 */
export const parseTimestamptz = (text: string): Date => {
  const n = text.length
  if (n < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32 || n > 35) return new Date(text)
  const year = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3)
  if (year < 1000) return new Date(text)
  const month = digit(text, 5) * 10 + digit(text, 6)
  const day = digit(text, 8) * 10 + digit(text, 9)
  const hour = digit(text, 11) * 10 + digit(text, 12)
  const minute = digit(text, 14) * 10 + digit(text, 15)
  const second = digit(text, 17) * 10 + digit(text, 18)
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
  let offsetSeconds = (digit(text, i + 1) * 10 + digit(text, i + 2)) * 3600
  if (n >= i + 6) offsetSeconds += (digit(text, i + 4) * 10 + digit(text, i + 5)) * 60
  if (n === i + 9) offsetSeconds += digit(text, i + 7) * 10 + digit(text, i + 8)
  if (sign === 45) offsetSeconds = -offsetSeconds
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetSeconds * 1000
  return Number.isNaN(utc) ? new Date(text) : new Date(utc)
}
