import { useSearchParams, Link } from "wouter"
import { Table } from "../../ui/Table.tsx"
import { ErrorNote } from "../../ui/ErrorNote.tsx"
import { StatusBadge } from "../../ui/StatusBadge.tsx"
import { Time } from "../../ui/Time.tsx"
import { useWorkflows } from "./useWorkflows.ts"

/** The workflows list; each name opens its graph. */
export const WorkflowsPage = () => {
  const [params, setParams] = useSearchParams()
  const cursor = params.get("cursor") ?? undefined
  const workflows = useWorkflows(cursor)
  const list = workflows.data?.workflows ?? []
  return (
    <>
      <h1>Workflows</h1>
      <ErrorNote error={workflows.error} />
      {workflows.data && list.length === 0 && <p className="muted">No workflows.</p>}
      {list.length > 0 && (
        <Table
          caption="Workflows"
          head={
            <>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Jobs</th>
                <th scope="col">Created</th>
                <th scope="col">Finished</th>
              </>
          }
        >
              {list.map((w) => (
                <tr key={w.id}>
                  <th scope="row">
                    <Link href={`/workflows/${w.id}`}>{w.name ?? `workflow ${w.id}`}</Link>
                  </th>
                  <td>
                    <StatusBadge status={w.status} />
                  </td>
                  <td>
                    {Object.entries(w.counts)
                      .filter(([, n]) => n > 0)
                      .map(([s, n]) => `${n} ${s}`)
                      .join(", ")}
                  </td>
                  <td>
                    <Time at={w.created_at} />
                  </td>
                  <td>
                    <Time at={w.finished_at} />
                  </td>
                </tr>
              ))}
            </Table>
      )}
      {workflows.data && (
        <nav className="pager" aria-label="Pages">
          <button type="button" disabled={cursor === undefined} onClick={() => setParams({})}>
            First page
          </button>
          <button type="button" disabled={workflows.data.next_cursor === null} onClick={() => setParams({ cursor: workflows.data.next_cursor! })}>
            Next page
          </button>
        </nav>
      )}
    </>
  )
}
