import { Link } from "wouter"
import { useSession } from "../../api/session.ts"
import type { Job } from "../../api/types.ts"
import { ErrorNote } from "../../ui/ErrorNote.tsx"
import { Json } from "../../ui/Json.tsx"
import { StatusBadge } from "../../ui/StatusBadge.tsx"
import { Time } from "../../ui/Time.tsx"
import { useJob, useJobAction } from "./useJob.ts"

/** Statuses each admin action starts from (SPEC: Cancel, Admin retry); the buttons show only where they apply. */
const RETRY_FROM = new Set(["failed", "cancelled", "retrying"])
const CANCEL_FROM = new Set(["blocked", "pending", "retrying", "processing"])

type Extra = { waiting_for?: ReadonlyArray<string>; workflow_id?: number | null; key?: string | null; depends_on?: ReadonlyArray<string> }

/** The error history, newest last, with each stack when the worker sent one. */
const ErrorHistory = ({ errors }: { readonly errors: Job["errors"] }) =>
  errors.length === 0 ? (
    <p className="muted">No errors.</p>
  ) : (
    <ol className="errors">
      {errors.map((e, i) => (
        <li key={i}>
          <p>
            <strong>Attempt {e.attempt}</strong> · <Time at={e.at} /> · {e.message}
          </p>
          {typeof e.stack === "string" && <pre className="stack">{e.stack}</pre>}
        </li>
      ))}
    </ol>
  )

/** One job: its fields, lease, payload, result, error history, and Retry / Cancel for admins. */
export const JobPage = ({ id }: { readonly id: string }) => {
  const jobId = Number(id)
  const job = useJob(jobId)
  const action = useJobAction(jobId)
  const session = useSession()
  if (!Number.isSafeInteger(jobId) || jobId <= 0) return <p className="error">Job ids are positive integers.</p>
  const j = job.data?.job
  const extra = (j ?? {}) as Extra
  return (
    <>
      <p>
        <Link href="/jobs">← Jobs</Link>
      </p>
      <h1>
        Job {id} {j && <StatusBadge status={j.status} />}
      </h1>
      <ErrorNote error={job.error} />
      {j && (
        <>
          {session.canAct && (
            <div className="actions">
              {RETRY_FROM.has(j.status) && (
                <button type="button" disabled={action.isPending} onClick={() => action.mutate("retry")}>
                  Retry
                </button>
              )}
              {CANCEL_FROM.has(j.status) && (
                <button type="button" className="danger" disabled={action.isPending} onClick={() => action.mutate("cancel")}>
                  Cancel
                </button>
              )}
            </div>
          )}
          <ErrorNote error={action.error} />
          <dl className="fields">
            <dt>Type</dt>
            <dd>{j.type}</dd>
            <dt>Queue</dt>
            <dd>
              <Link href={`/jobs?queue=${encodeURIComponent(j.queue)}`}>{j.queue}</Link>
            </dd>
            <dt>Attempts</dt>
            <dd>
              {j.attempts} of {j.max_attempts}
            </dd>
            <dt>Priority</dt>
            <dd>{j.priority}</dd>
            <dt>Run at</dt>
            <dd>
              <Time at={j.run_at} />
            </dd>
            <dt>Lease holder</dt>
            <dd>{j.worker_id ?? "—"}</dd>
            <dt>Lease expires</dt>
            <dd>
              <Time at={j.lease_expires_at} />
            </dd>
            {typeof extra.workflow_id === "number" && (
              <>
                <dt>Workflow</dt>
                <dd>
                  <Link href={`/workflows/${extra.workflow_id}`}>workflow {extra.workflow_id}</Link> · key {extra.key}
                </dd>
              </>
            )}
            {extra.waiting_for && extra.waiting_for.length > 0 && (
              <>
                <dt>Waiting for</dt>
                <dd>{extra.waiting_for.join(", ")}</dd>
              </>
            )}
            <dt>Idempotency key</dt>
            <dd>{j.idempotency_key ?? "—"}</dd>
            <dt>Created</dt>
            <dd>
              <Time at={j.created_at} />
            </dd>
            <dt>Updated</dt>
            <dd>
              <Time at={j.updated_at} />
            </dd>
            <dt>Completed</dt>
            <dd>
              <Time at={j.completed_at} />
            </dd>
          </dl>
          <h2>Payload</h2>
          <Json value={j.payload} label="Payload" />
          <h2>Result</h2>
          <Json value={j.result} label="Result" />
          <h2>Error history</h2>
          <ErrorHistory errors={j.errors} />
        </>
      )}
    </>
  )
}
