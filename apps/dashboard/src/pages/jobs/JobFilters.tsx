import { useState, type FormEvent } from "react"
import { useLocation } from "wouter"
import type { JobStatus } from "../../api/types.ts"
import { workflowIdOf, type JobFilter } from "./useJobs.ts"

const STATUSES: ReadonlyArray<JobStatus> = ["blocked", "pending", "processing", "retrying", "completed", "failed", "cancelled"]

/** The filter form (applied on submit, so typing does not refetch per key) and the jump to a job by id. */
export const JobFilters = ({ filter, onApply }: { readonly filter: JobFilter; readonly onApply: (f: JobFilter) => void }) => {
  const [, navigate] = useLocation()
  const [draft, setDraft] = useState<Record<keyof JobFilter, string>>({
    queue: filter.queue ?? "",
    status: filter.status ?? "",
    type: filter.type ?? "",
    worker_id: filter.worker_id ?? "",
    workflow_id: filter.workflow_id?.toString() ?? ""
  })
  const [jobId, setJobId] = useState("")
  const field = (key: keyof JobFilter) => ({ value: draft[key], onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value }) })
  const apply = (e: FormEvent) => {
    e.preventDefault()
    const clean = (v: string) => (v.trim() === "" ? undefined : v.trim())
    onApply({
      queue: clean(draft.queue),
      status: clean(draft.status) as JobStatus | undefined,
      type: clean(draft.type),
      worker_id: clean(draft.worker_id),
      workflow_id: workflowIdOf(draft.workflow_id)
    })
  }
  const open = (e: FormEvent) => {
    e.preventDefault()
    if (/^[1-9]\d*$/.test(jobId.trim())) navigate(`/jobs/${jobId.trim()}`)
  }
  return (
    <div className="filters">
      <form onSubmit={apply} aria-label="Filter jobs">
        <label>
          Queue <input {...field("queue")} placeholder="any" />
        </label>
        <label>
          Status
          <select {...field("status")}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type <input {...field("type")} placeholder="any" />
        </label>
        <label>
          Worker <input {...field("worker_id")} placeholder="any" />
        </label>
        <label>
          Workflow <input {...field("workflow_id")} inputMode="numeric" pattern="[1-9][0-9]*" title="A workflow id" placeholder="any" />
        </label>
        <button type="submit">Apply filters</button>
        <button
          type="button"
          onClick={() => {
            setDraft({ queue: "", status: "", type: "", worker_id: "", workflow_id: "" })
            onApply({})
          }}
        >
          Clear
        </button>
      </form>
      <form onSubmit={open} aria-label="Open a job by id">
        <label>
          Job id <input inputMode="numeric" value={jobId} onChange={(e) => setJobId(e.target.value)} />
        </label>
        <button type="submit">Open job</button>
      </form>
    </div>
  )
}
