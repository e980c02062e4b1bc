import { useState } from "react"
import { useSearchParams } from "wouter"
import { useSession } from "../../api/session.ts"
import { ErrorNote } from "../../ui/ErrorNote.tsx"
import { BulkActions } from "./BulkActions.tsx"
import { JobFilters } from "./JobFilters.tsx"
import { JobTable } from "./JobTable.tsx"
import { filterFromUrl, filterToUrl, useJobs, type JobFilter } from "./useJobs.ts"

/** The jobs list: filters and the page cursor live in the URL (deep links), selection in the page. */
export const JobsPage = () => {
  const [params, setParams] = useSearchParams()
  const session = useSession()
  const filter = filterFromUrl(params)
  const cursor = params.get("cursor") ?? undefined
  const jobs = useJobs(filter, cursor)
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set())
  const apply = (f: JobFilter) => {
    setSelected(new Set())
    setParams(filterToUrl(f))
  }
  const page = (c: string | null) => {
    const next = new URLSearchParams(params)
    if (c === null) next.delete("cursor")
    else next.set("cursor", c)
    setParams(next)
  }
  const select = (ids: ReadonlyArray<number>, on: boolean) => {
    const next = new Set(selected)
    for (const id of ids) on ? next.add(id) : next.delete(id)
    setSelected(next)
  }
  return (
    <>
      <h1>Jobs</h1>
      <JobFilters key={params.toString()} filter={filter} onApply={apply} />
      {session.canAct && <BulkActions filter={filter} selected={[...selected]} onDone={() => setSelected(new Set())} />}
      <ErrorNote error={jobs.error} />
      {jobs.data && (
        <>
          {jobs.data.jobs.length === 0 ? (
            <p className="muted">No jobs match.</p>
          ) : (
            <JobTable jobs={jobs.data.jobs} selectable={session.canAct} selected={selected} onSelect={select} />
          )}
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={cursor === undefined} onClick={() => page(null)}>
              First page
            </button>
            <button type="button" disabled={jobs.data.next_cursor === null} onClick={() => page(jobs.data.next_cursor)}>
              Next page
            </button>
          </nav>
        </>
      )}
    </>
  )
}
