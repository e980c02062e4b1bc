import type postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import { parseArray, serializeArray } from "./arrayTypes.ts"
import { connect } from "./connect.ts"

let db: TestDatabase
let sql: postgres.Sql
beforeAll(async () => {
  db = await createTestDatabase("lh_arrays")
  sql = connect(db.url, { max: 2 })
})
afterAll(async () => {
  await sql?.end()
  await db?.drop()
})

const awkward = ["plain", "", "with space", 'quo"te', "back\\slash", "comma,brace{}", "NULL", "null", "ünï😀", "x\ny"]

describe("array parameters and results without postgres.js's type lookup", () => {
  it("runs without the per-connection type-lookup query", async () => {
    expect(sql.options.fetch_types).toBe(false)
  })

  it("round-trips text[] with every awkward element, element by element", async () => {
    const rows = await sql<{ v: string; i: number }[]>`select v, i::int from unnest(${awkward}::text[]) with ordinality u(v, i) order by i`
    expect(rows.map((r) => r.v)).toEqual(awkward)
    const [back] = await sql<{ a: Array<string | null> }[]>`select ${awkward}::text[] || array[null]::text[] as a`
    expect(back?.a).toEqual([...awkward, null])
  })

  it("round-trips int8[], int4[], float8[], uuid[], timestamptz[] and bool[]", async () => {
    const ids = [1, 2 ** 53 - 1, 0, 42]
    const uuids = ["6f1c3f5e-1f1b-4c59-9d3a-0b8f0b5c1d2e", "00000000-0000-0000-0000-000000000000"]
    const times = ["2030-01-01T00:00:00.000Z", "1999-12-31T23:59:59.999Z"]
    const [row] = await sql<{ ids: number[]; sum: string; small: number[]; f: number[]; u: string[]; t: Date[]; b: boolean[] }[]>`
      select ${ids}::int8[] as ids, (select sum(x)::text from unnest(${ids}::int8[]) x) as sum,
             ${[1, -2, 3]}::int4[] as small, ${[0.5, -1.25]}::float8[] as f, ${uuids}::uuid[] as u,
             ${times}::timestamptz[] as t, array[true, false] as b`
    expect(row?.ids).toEqual(ids)
    expect(row?.sum).toBe(String(ids.reduce((a, b) => a + b, 0)))
    expect(row?.small).toEqual([1, -2, 3])
    expect(row?.f).toEqual([0.5, -1.25])
    expect(row?.u).toEqual(uuids)
    expect(row?.t.map((d) => d.toISOString())).toEqual(times)
    expect(row?.b).toEqual([true, false])
  })

  it("passes null and empty arrays", async () => {
    const [row] = await sql<{ n: boolean; e: number }[]>`select ${null}::text[] is null as n, cardinality(${[] as string[]}::text[])::int as e`
    expect(row).toEqual({ n: true, e: 0 })
  })

  it("serializes and parses nested arrays", () => {
    expect(serializeArray([[1, 2], [3, 4]], String)).toBe('{{"1","2"},{"3","4"}}')
    expect(parseArray('{{1,2},{3,NULL}}', Number)).toEqual([[1, 2], [3, null]])
    expect(parseArray('{"a\\"b",c}', undefined)).toEqual(['a"b', "c"])
  })
})
