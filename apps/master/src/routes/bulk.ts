import { Hono } from "hono"
import { BulkRequest } from "@leasehold/contracts"
import type { BulkFilterParams } from "@leasehold/core"
import { badRequest } from "../http/HttpError.ts"
import { runStore } from "../http/runStore.ts"
import { decoder, orUndef, readBody } from "../http/validate.ts"
import type { MasterDeps } from "../MasterDeps.ts"

const decodeBulk = decoder(BulkRequest)

type Target = { readonly ids: ReadonlyArray<number> } | { readonly filter: BulkFilterParams; readonly dryRun: boolean }

/** SPEC "Bulk operations": exactly one of `ids` and `filter`; a filter names at least one field; `dry_run` only with a filter. */
const target = (body: BulkRequest): Target => {
  const ids = body.ids ?? undefined
  const filter = body.filter ?? undefined
  if ((ids === undefined) === (filter === undefined)) throw badRequest("give exactly one of ids and filter")
  if (ids !== undefined) {
    if (body.dry_run === true) throw badRequest("dry_run applies to a filter only; ids answer per id")
    return { ids }
  }
  const f: BulkFilterParams = { queue: orUndef(filter!.queue), status: orUndef(filter!.status), type: orUndef(filter!.type) }
  if (f.queue === undefined && f.status === undefined && f.type === undefined)
    throw badRequest("filter needs at least one of queue, status and type")
  return { filter: f, dryRun: body.dry_run === true }
}

/** Admin bulk retry and cancel, by ids (per-id results) or by filter (a count, optionally a dry run). */
export const bulkRoutes = (deps: MasterDeps) => {
  const { store } = deps
  const app = new Hono()
  for (const action of ["retry", "cancel"] as const) {
    app.post(`/${action}`, async (c) => {
      const t = target(await readBody(c, decodeBulk))
      if ("ids" in t) {
        const results = await runStore(action === "retry" ? store.jobRetryMany({ ids: t.ids }) : store.jobCancelMany({ ids: t.ids }))
        return c.json({ results })
      }
      const p = { filter: t.filter, dryRun: t.dryRun }
      const count = await runStore(action === "retry" ? store.jobRetryMatching(p) : store.jobCancelMatching(p))
      return c.json(t.dryRun ? { count, dry_run: true } : { count })
    })
  }
  return app
}
