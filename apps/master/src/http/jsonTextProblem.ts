import { MAX_JSON_DEPTH } from "@leasehold/contracts"

const BACKSLASH = 92
const QUOTE = 34
const U = 117
const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff
const hex4 = (text: string, at: number) => (/^[0-9a-fA-F]{4}$/.test(text.slice(at, at + 4)) ? parseInt(text.slice(at, at + 4), 16) : -1)

/** Reads a string token from its opening quote, escape by escape; returns the index of its closing quote or a problem. */
const scanEscapedString = (text: string, from: number): number | string => {
  const n = text.length
  for (let i = from + 1; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) return i
    if (c === BACKSLASH) {
      i++
      if (text.charCodeAt(i) !== U) continue
      const code = hex4(text, i + 1)
      i += 4
      if (code === 0) return "a string contains \\u0000 (NUL), which cannot be stored: remove it or encode the data (e.g. base64)"
      if (isLow(code)) return "a string contains a lone UTF-16 surrogate (\\udc00-\\udfff): strings must be valid Unicode"
      if (isHigh(code)) {
        if (text.charCodeAt(i + 1) !== BACKSLASH || text.charCodeAt(i + 2) !== U || !isLow(hex4(text, i + 3)))
          return "a string contains a lone UTF-16 surrogate (\\ud800-\\udbff): strings must be valid Unicode"
        i += 6
      }
    }
  }
  return n
}

/** `String.prototype.isWellFormed` (Node 20+; not in this project's ES2023 lib typings). */
export const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed: () => boolean }).isWellFormed()

/**
 * Why a JSON text must be refused before it is parsed or stored, or undefined. One pass, no recursion:
 * nesting deeper than MAX_JSON_DEPTH (deep values overflow the stack when serialized), `\u0000` in any
 * string or key (PostgreSQL's jsonb and text refuse it), lone surrogates (they would be stored as
 * U+FFFD), and numbers beyond a double's range (`1e999` would parse as Infinity and be stored as null).
 * Malformed JSON is left to JSON.parse.
 */
export const jsonTextProblem = (text: string): string | undefined => {
  // Raw surrogates cannot come from strictly decoded UTF-8, only from text built in-process.
  if (!isWellFormed(text)) return "a string contains a lone UTF-16 surrogate: strings must be valid Unicode"
  let depth = 0
  const n = text.length
  // Most of a body is string content: a string without a backslash is skipped with two native searches.
  let nextBackslash = text.indexOf("\\")
  if (nextBackslash < 0) nextBackslash = n
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      let end = text.indexOf('"', i + 1)
      if (end < 0) return undefined
      if (nextBackslash < end) {
        const scanned = scanEscapedString(text, i)
        if (typeof scanned === "string") return scanned
        end = scanned
        nextBackslash = text.indexOf("\\", end)
        if (nextBackslash < 0) nextBackslash = n
      }
      i = end
    } else if (c === 91 || c === 123) {
      if (++depth > MAX_JSON_DEPTH) return `JSON nested deeper than ${MAX_JSON_DEPTH} levels`
    } else if (c === 93 || c === 125) depth--
    else if (c === 45 || (c >= 48 && c <= 57)) {
      const start = i
      let exponent = false
      for (;;) {
        const d = text.charCodeAt(i + 1)
        if ((d >= 48 && d <= 57) || d === 46 || d === 43 || d === 45) i++
        else if (d === 101 || d === 69) {
          exponent = true
          i++
        } else break
      }
      if ((exponent || i - start >= 300) && Math.abs(Number(text.slice(start, i + 1))) === Infinity)
        return `the number ${text.slice(start, Math.min(i + 1, start + 40))} is beyond the range of a double`
    }
  }
  return undefined
}
