import { useQuery } from "@tanstack/react-query"
import { Link } from "wouter"
import { api, unwrap } from "../../api/client.ts"
import { live } from "../../api/polling.ts"
import { Table } from "../../ui/Table.tsx"
import { ErrorNote } from "../../ui/ErrorNote.tsx"
import { Time } from "../../ui/Time.tsx"

/** Workers seen in the last 10 minutes, live. */
const useWorkers = () => useQuery({ queryKey: ["workers"], queryFn: () => unwrap(api.GET("/api/v1/workers")), ...live })

/** A worker counts as alive when seen within the last minute (the SPEC's "active"). */
const ALIVE_MS = 60_000

/** Who is alive and how many live leases each holds (its jobs one click away). */
export const WorkersPage = () => {
  const workers = useWorkers()
  const list = workers.data?.workers ?? []
  return (
    <>
      <h1>Workers</h1>
      <ErrorNote error={workers.error} />
      {workers.data && list.length === 0 && <p className="muted">No worker called in during the last 10 minutes.</p>}
      {list.length > 0 && (
        <Table
          caption="Workers"
          head={
            <>
                <th scope="col">Worker</th>
                <th scope="col">State</th>
                <th scope="col">Last seen</th>
                <th scope="col" className="num">
                  Holds
                </th>
              </>
          }
        >
              {list.map((w) => (
                <tr key={w.worker_id}>
                  <th scope="row">{w.worker_id}</th>
                  <td>{Date.now() - Date.parse(w.last_seen_at) < ALIVE_MS ? "alive" : "quiet"}</td>
                  <td>
                    <Time at={w.last_seen_at} />
                  </td>
                  <td className="num">
                    <Link href={`/jobs?worker_id=${encodeURIComponent(w.worker_id)}&status=processing`} aria-label={`${w.in_flight} jobs held by ${w.worker_id}`}>
                      {w.in_flight} jobs
                    </Link>
                  </td>
                </tr>
              ))}
            </Table>
      )}
    </>
  )
}
