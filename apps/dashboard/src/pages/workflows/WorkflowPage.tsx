import { Link } from "wouter"
import { useSession } from "../../api/session.ts"
import { Table } from "../../ui/Table.tsx"
import { ErrorNote } from "../../ui/ErrorNote.tsx"
import { StatusBadge } from "../../ui/StatusBadge.tsx"
import { Time } from "../../ui/Time.tsx"
import { WorkflowGraph } from "./WorkflowGraph.tsx"
import { useWorkflow, useWorkflowAction } from "./useWorkflows.ts"

/** Beyond this many jobs the graph is not drawn (it would not be readable); the table still lists every job. */
const MAX_DRAWN = 400

/** One workflow: its graph (runtime-added jobs included), every job in a table, Cancel and Retry for admins. */
export const WorkflowPage = ({ id }: { readonly id: string }) => {
  const wid = Number(id)
  const wf = useWorkflow(wid)
  const action = useWorkflowAction(wid)
  const session = useSession()
  const w = wf.data?.workflow
  return (
    <>
      <p>
        <Link href="/workflows">← Workflows</Link>
      </p>
      <h1>
        {w?.name ?? `Workflow ${id}`} {w && <StatusBadge status={w.status} />}
      </h1>
      <ErrorNote error={wf.error ?? action.error} />
      {w && (
        <>
          <p>
            Created <Time at={w.created_at} /> · finished <Time at={w.finished_at} />
          </p>
          {session.canAct && (
            <div className="actions">
              <button type="button" disabled={action.isPending || w.status !== "running"} onClick={() => action.mutate("cancel")}>
                Cancel workflow
              </button>
              <button type="button" disabled={action.isPending || (w.counts.failed ?? 0) + (w.counts.cancelled ?? 0) === 0} onClick={() => action.mutate("retry")}>
                Retry workflow
              </button>
            </div>
          )}
          {w.jobs.length <= MAX_DRAWN ? <WorkflowGraph jobs={w.jobs} /> : <p className="note">{w.jobs.length} jobs: too many to draw; the table lists them.</p>}
          <h2>Jobs</h2>
          <p>
            <Link href={`/jobs?workflow_id=${w.id}`}>Open these jobs in the jobs list</Link> (filters, pages, bulk actions on a selection)
          </p>
          <Table
          caption="Jobs of the workflow"
          head={
            <>
                  <th scope="col">Key</th>
                  <th scope="col">Job</th>
                  <th scope="col">Type</th>
                  <th scope="col">Status</th>
                  <th scope="col">Depends on</th>
                </>
          }
        >
                {w.jobs.map((j) => (
                  <tr key={j.key}>
                    <th scope="row">{j.key}</th>
                    <td>
                      <Link href={`/jobs/${j.job_id}`}>{j.job_id}</Link>
                    </td>
                    <td>{j.type}</td>
                    <td>
                      <StatusBadge status={j.status} />
                    </td>
                    <td>{j.depends_on.join(", ") || "—"}</td>
                  </tr>
                ))}
              </Table>
        </>
      )}
    </>
  )
}
