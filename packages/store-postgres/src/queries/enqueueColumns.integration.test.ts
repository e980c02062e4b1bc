import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { NewJob } from "@leasehold/core"
import type { JobRow } from "../rows.ts"
import { notificationLog, setupStore, type TestStore } from "../testing/index.ts"
import { enqueueMany, toEnqueueItem } from "./enqueue.ts"
import { enqueuePlainColumns, plainColumns } from "./enqueueColumns.ts"

let t: TestStore
beforeAll(async () => {
  t = await setupStore()
})
afterAll(async () => {
  await t?.close()
})

const now = new Date("2026-03-01T12:00:00.000Z")

const jobsOf = (suffix: string, timed: boolean): Array<NewJob> =>
  Array.from({ length: 25 }, (_, i) => ({
    type: `t${i % 4}`,
    queue: `col-${["a", "b", "c"][i % 3]}${suffix}`,
    payload: i % 5 === 0 ? null : i % 5 === 1 ? [1, "two", { three: 3 }] : { i, s: "quote \" comma , brace } and é" },
    priority: (i % 7) - 3,
    runAt: timed && i % 6 === 1 ? new Date(now.getTime() + i * 1000) : undefined,
    delayMs: timed && i % 6 === 2 ? i * 250 : undefined,
    maxAttempts: (i % 5) + 1
  }))

/** Inserts through one statement and reads the rows back in id order, without what differs by design. */
const insertWith = async (via: "keyed" | "columns", jobs: Array<NewJob>) => {
  const items = jobs.map(toEnqueueItem)
  const payloads = items.map((it) => JSON.stringify(it.payload))
  let ids: Array<number>
  let nowMs: number
  if (via === "keyed") {
    const out = await enqueueMany(t.sql, items, now)
    ids = [...out].sort((x, y) => x.ord - y.ord).map((r) => Number(r.id))
    nowMs = now.getTime()
  } else {
    const [row] = await enqueuePlainColumns(t.sql, plainColumns(items, payloads), now)
    ids = row!.ids.map(Number)
    nowMs = Number(row!.now_ms)
  }
  const rows = await t.sql<JobRow[]>`select * from jobs where id = any(${ids}::int8[]) order by id`
  return { ids, nowMs, rows: rows.map(({ id: _id, queue, ...rest }) => ({ ...rest, queue: queue.split("-").slice(0, 2).join("-") })) }
}

describe("enqueuePlainColumns", () => {
  for (const timed of [true, false]) {
    it(`writes the same rows as the general (keyed) statement, ids in request order (${timed ? "with" : "without"} run_at / delay_ms)`, async () => {
      const jobs = jobsOf(timed ? "-t" : "-u", timed)
      const a = await insertWith("keyed", jobs)
      const b = await insertWith("columns", jobs)
      expect(b.rows).toEqual(a.rows)
      expect(b.nowMs).toBe(now.getTime())
      expect([...b.ids].sort((x, y) => x - y)).toEqual(b.ids)
      const byId = await t.sql<{ id: string; queue: string; type: string }[]>`select id, queue, type from jobs where id = any(${b.ids}::int8[])`
      const got = new Map(byId.map((r) => [Number(r.id), `${r.queue}/${r.type}`]))
      expect(b.ids.map((id) => got.get(id))).toEqual(jobs.map((j) => `${j.queue}/${j.type}`))
    })
  }

  it("notifies each distinct queue once and rejects a bad queue name with nothing written", async () => {
    const log = await notificationLog(t.sql)
    try {
      await log.fence()
      const items = [{ type: "a", queue: "cn1" }, { type: "a", queue: "cn2" }, { type: "a", queue: "cn1" }].map(toEnqueueItem)
      await enqueuePlainColumns(t.sql, plainColumns(items, items.map(() => "null")), null)
      // The fence waits out every notification of the statement, a duplicate cn1 included.
      expect((await log.fence()).sort()).toEqual(["cn1", "cn2"])
    } finally {
      await log.close()
    }
    const bad = [{ type: "a", queue: "col-ok" }, { type: "a", queue: "Not Valid" }].map(toEnqueueItem)
    await expect(enqueuePlainColumns(t.sql, plainColumns(bad, ["null", "null"]), null)).rejects.toThrow()
    const rows = await t.sql<{ n: number }[]>`select count(*)::int as n from jobs where queue = 'col-ok'`
    expect(rows[0]?.n).toBe(0)
  })
})
