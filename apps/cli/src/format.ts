/** A column of a table: its header and how to render a row's cell. */
export interface Column<R> {
  readonly header: string
  readonly cell: (row: R) => string
  readonly align?: "left" | "right"
}

/** Aligned columns, two spaces apart, header first; "(none)" for an empty list. */
export const table = <R>(rows: ReadonlyArray<R>, columns: ReadonlyArray<Column<R>>): string => {
  if (rows.length === 0) return "(none)"
  const cells = rows.map((r) => columns.map((c) => c.cell(r)))
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)))
  const line = (values: ReadonlyArray<string>) =>
    values
      .map((v, i) => (columns[i]!.align === "right" ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd()
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join("\n")
}

/** `key  value` lines with the keys aligned. */
export const fields = (pairs: ReadonlyArray<readonly [string, string]>): string => {
  const width = Math.max(...pairs.map(([k]) => k.length))
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n")
}

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000]
]

/** A duration as its two largest units: `1h 5m`, `42s`, `0s`. */
export const duration = (ms: number): string => {
  const parts: Array<string> = []
  let rest = Math.abs(ms)
  for (const [unit, size] of UNITS) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`)
      rest %= size
    }
  }
  return parts.length === 0 ? "0s" : parts.join(" ")
}

/** A timestamp relative to now: `3m 2s ago`, `in 5m`, `now`; `-` when absent. */
export const relative = (iso: string | null | undefined, now: Date = new Date()): string => {
  if (iso === null || iso === undefined) return "-"
  const ms = Date.parse(iso) - now.getTime()
  if (Number.isNaN(ms)) return iso
  if (Math.abs(ms) < 1000) return "now"
  return ms > 0 ? `in ${duration(ms)}` : `${duration(ms)} ago`
}

/** A text progress bar: `[#########-----------]  45.0%`. */
export const progressBar = (fraction: number, width = 30): string => {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0))
  const filled = Math.round(f * width)
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(f * 100).toFixed(1).padStart(5)}%`
}

/** JSON for `--json`: one document, pretty-printed. */
export const json = (value: unknown): string => JSON.stringify(value, null, 2)
