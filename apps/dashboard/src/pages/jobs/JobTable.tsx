import { Link } from "wouter"
import type { Job } from "../../api/types.ts"
import { StatusBadge } from "../../ui/StatusBadge.tsx"
import { Time } from "../../ui/Time.tsx"

/** The jobs of one page; the id and type open the job, checkboxes select it for bulk actions (admins only). */
export const JobTable = (props: {
  readonly jobs: ReadonlyArray<Job>
  readonly selectable: boolean
  readonly selected: ReadonlySet<number>
  readonly onSelect: (ids: ReadonlyArray<number>, on: boolean) => void
}) => {
  const { jobs, selectable, selected } = props
  const allOn = jobs.length > 0 && jobs.every((j) => selected.has(j.id))
  return (
    <div className="scroll">
      <table>
        <caption className="sr-only">Jobs</caption>
        <thead>
          <tr>
            {selectable && (
              <th scope="col">
                <input type="checkbox" aria-label="Select every job on this page" checked={allOn} onChange={(e) => props.onSelect(jobs.map((j) => j.id), e.target.checked)} />
              </th>
            )}
            <th scope="col">Id</th>
            <th scope="col">Type</th>
            <th scope="col">Queue</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Attempts
            </th>
            <th scope="col">Updated</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.id}>
              {selectable && (
                <td>
                  <input type="checkbox" aria-label={`Select job ${j.id}`} checked={selected.has(j.id)} onChange={(e) => props.onSelect([j.id], e.target.checked)} />
                </td>
              )}
              <td>
                <Link href={`/jobs/${j.id}`}>{j.id}</Link>
              </td>
              <td>
                <Link href={`/jobs/${j.id}`} aria-label={`${j.type} (job ${j.id})`}>
                  {j.type}
                </Link>
              </td>
              <td>{j.queue}</td>
              <td>
                <StatusBadge status={j.status} />
              </td>
              <td className="num">
                {j.attempts}/{j.max_attempts}
              </td>
              <td>
                <Time at={j.updated_at} />
              </td>
              <td className="clip" title={j.last_error ?? undefined}>
                {j.last_error ?? ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
