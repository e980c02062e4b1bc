import { Fragment, useState } from "react"
import { Link } from "wouter"
import { useSession } from "../../api/session.ts"
import { Table } from "../../ui/Table.tsx"
import { ErrorNote } from "../../ui/ErrorNote.tsx"
import { formatCount } from "../../ui/format.ts"
import { PauseButton } from "../../ui/PauseButton.tsx"
import { LimitsForm } from "./LimitsForm.tsx"
import { useQueueChange, useQueues } from "./useQueues.ts"

const COUNTS = ["blocked", "pending", "processing", "retrying", "completed", "failed", "cancelled"] as const

const limitsText = (q: { max_concurrency: number | null; key_concurrency: number | null; rate_limit: { limit: number; period_ms: number } | null }) =>
  [
    q.max_concurrency !== null && `max ${q.max_concurrency}`,
    q.key_concurrency !== null && `per key ${q.key_concurrency}`,
    q.rate_limit !== null && `${q.rate_limit.limit} per ${q.rate_limit.period_ms} ms`
  ]
    .filter(Boolean)
    .join(", ") || "none"

/** Queues: counts, Pause / Resume and editable limits (admins). */
export const QueuesPage = () => {
  const queues = useQueues()
  const change = useQueueChange()
  const session = useSession()
  const [editing, setEditing] = useState<string | null>(null)
  const list = queues.data?.queues ?? []
  return (
    <>
      <h1>Queues</h1>
      <ErrorNote error={queues.error ?? change.error} />
      {queues.data && list.length === 0 && <p className="muted">No queues yet.</p>}
      {list.length > 0 && (
        <Table
          caption="Queues"
          head={
            <>
                <th scope="col">Queue</th>
                <th scope="col">State</th>
                {COUNTS.map((c) => (
                  <th scope="col" key={c} className="num">
                    {c}
                  </th>
                ))}
                <th scope="col">Limits</th>
                {session.canAct && <th scope="col">Actions</th>}
              </>
          }
        >
              {list.map((q) => (
                <Fragment key={q.name}>
                  <tr>
                    <th scope="row">
                      <Link href={`/jobs?queue=${encodeURIComponent(q.name)}`}>{q.name}</Link>
                    </th>
                    <td>{q.paused ? "paused" : "active"}</td>
                    {COUNTS.map((c) => (
                      <td key={c} className="num">
                        {formatCount(q.counts[c] ?? 0)}
                      </td>
                    ))}
                    <td>{limitsText(q)}</td>
                    {session.canAct && (
                      <td className="actions">
                        <PauseButton name={q.name} paused={q.paused} busy={change.isPending} onToggle={(p) => change.mutate({ name: q.name, pause: p })} />
                        <button type="button" aria-label={`Edit limits of ${q.name}`} onClick={() => setEditing(editing === q.name ? null : q.name)}>
                          Limits
                        </button>
                      </td>
                    )}
                  </tr>
                  {editing === q.name && (
                    <tr>
                      <td colSpan={COUNTS.length + 4}>
                        <LimitsForm
                          queue={q}
                          busy={change.isPending}
                          onClose={() => setEditing(null)}
                          onSave={(limits) => change.mutate({ name: q.name, limits }, { onSuccess: () => setEditing(null) })}
                        />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </Table>
      )}
    </>
  )
}
