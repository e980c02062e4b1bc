/** The part of postgres.js's parsed options that holds its type handlers. */
interface TypeHandlers {
  readonly parsers: Record<number, (x: string) => unknown>
  readonly serializers: Record<number, (x: unknown) => unknown>
  readonly shared: { readonly typeArrayMap: Record<number, number> }
}

/**
 * Built-in element types and their array types (`pg_type.oid`, `pg_type.typarray`). These OIDs are
 * fixed in PostgreSQL's catalog (`pg_type.dat`) and equal on every server version we support.
 */
const BUILTIN_ARRAYS: ReadonlyArray<readonly [oid: number, typarray: number]> = [
  [16, 1000], [17, 1001], [18, 1002], [19, 1003], [20, 1016], [21, 1005], [23, 1007], [25, 1009],
  [26, 1028], [114, 199], [700, 1021], [701, 1022], [1043, 1015], [1082, 1182], [1114, 1115],
  [1184, 1185], [1186, 1187], [1700, 1231], [2950, 2951], [3802, 3807]
]

const escapeElement = (x: string) => x.replace(/\\/g, "\\\\").replace(/"/g, '\\"')

/** Serializes a (nested) array to PostgreSQL's text array literal, as postgres.js does. */
export const serializeArray = (xs: unknown, element: ((x: unknown) => unknown) | undefined): unknown => {
  if (!Array.isArray(xs)) return xs
  if (xs.length === 0) return "{}"
  if (Array.isArray(xs[0])) return `{${xs.map((x) => serializeArray(x, element)).join(",")}}`
  return `{${xs.map((x) => (x === null || x === undefined ? "null" : `"${escapeElement(String(element ? element(x) : x))}"`)).join(",")}}`
}

/** Parses PostgreSQL's text array output (`{1,2}`, `{"a b",NULL}`, nested) into arrays of parsed elements. */
export const parseArray = (text: string, element: ((x: string) => unknown) | undefined): unknown => {
  let i = 0
  const value = (raw: string, quoted: boolean) => (!quoted && raw === "NULL" ? null : element ? element(raw) : raw)
  const loop = (): Array<unknown> => {
    const out: Array<unknown> = []
    i++ // past "{"
    if (text[i] === "}") return i++, out
    while (i < text.length) {
      if (text[i] === "{") out.push(loop())
      else if (text[i] === '"') {
        let s = ""
        for (i++; text[i] !== '"'; i++) s += text[i] === "\\" ? text[++i] : text[i]
        i++
        out.push(value(s, true))
      } else {
        const start = i
        while (text[i] !== "," && text[i] !== "}") i++
        out.push(value(text.slice(start, i), false))
      }
      if (text[i++] === "}") return out
    }
    return out
  }
  return loop()
}

/**
 * Registers the built-in array types on a postgres.js pool, so the pool can run with `fetch_types: false`.
 * postgres.js otherwise looks the array types up with a query on every new connection, and a failure of
 * that query (a reset while PostgreSQL restarts) is an unhandled rejection that ends the process. The
 * store uses arrays of built-in types only (`text[]`, `int8[]`, `uuid[]`, `timestamptz[]`, ...).
 */
export const registerArrayTypes = (options: TypeHandlers): void => {
  for (const [oid, typarray] of BUILTIN_ARRAYS) {
    const element = options.parsers[oid]
    const serialize = options.serializers[oid]
    options.shared.typeArrayMap[oid] = typarray
    options.parsers[typarray] = (x: string) => parseArray(x, element)
    options.serializers[typarray] = (xs: unknown) => serializeArray(xs, serialize)
  }
}
