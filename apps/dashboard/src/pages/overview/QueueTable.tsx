import { Link } from "wouter"
import type { Stats } from "../../api/types.ts"
import { formatCount, formatDuration } from "../../ui/format.ts"

const COLUMNS = ["blocked", "pending", "processing", "retrying", "completed", "failed", "cancelled"] as const

/** Per-queue counts; each queue name opens the jobs of that queue, each count the jobs in that status. */
export const QueueTable = ({ queues }: { readonly queues: Stats["queues"] }) => {
  const names = Object.keys(queues).sort()
  if (names.length === 0) return <p className="muted">No queues yet: enqueue a job and it appears here.</p>
  return (
    <div className="scroll">
      <table>
        <caption>Jobs per queue by status</caption>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            {COLUMNS.map((c) => (
              <th scope="col" key={c} className="num">
                {c}
              </th>
            ))}
            <th scope="col" className="num">
              oldest pending
            </th>
          </tr>
        </thead>
        <tbody>
          {names.map((name) => {
            const q = queues[name]!
            return (
              <tr key={name}>
                <th scope="row">
                  <Link href={`/jobs?queue=${encodeURIComponent(name)}`}>{name}</Link>
                </th>
                {COLUMNS.map((c) => (
                  <td key={c} className="num">
                    {q[c] > 0 ? (
                      <Link href={`/jobs?queue=${encodeURIComponent(name)}&status=${c}`} aria-label={`${q[c]} ${c} in ${name}`}>
                        {formatCount(q[c])}
                      </Link>
                    ) : (
                      <span className="muted">0</span>
                    )}
                  </td>
                ))}
                <td className="num">{q.oldest_pending_age_ms === null ? <span className="muted">—</span> : formatDuration(q.oldest_pending_age_ms)}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
