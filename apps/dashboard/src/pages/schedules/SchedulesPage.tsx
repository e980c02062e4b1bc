import { useSession } from "../../api/session.ts"
import { Table } from "../../ui/Table.tsx"
import { ErrorNote } from "../../ui/ErrorNote.tsx"
import { PauseButton } from "../../ui/PauseButton.tsx"
import { Time } from "../../ui/Time.tsx"
import { useSchedulePause, useSchedules } from "./useSchedules.ts"

/** Cron schedules: when each fires next, and Pause / Resume for admins. */
export const SchedulesPage = () => {
  const schedules = useSchedules()
  const pause = useSchedulePause()
  const session = useSession()
  const list = schedules.data?.schedules ?? []
  return (
    <>
      <h1>Schedules</h1>
      <ErrorNote error={schedules.error ?? pause.error} />
      {schedules.data && list.length === 0 && <p className="muted">No schedules.</p>}
      {list.length > 0 && (
        <Table
          caption="Schedules"
          head={
            <>
                <th scope="col">Name</th>
                <th scope="col">Cron</th>
                <th scope="col">Job</th>
                <th scope="col">State</th>
                <th scope="col">Next fire</th>
                <th scope="col">Last fire</th>
                {session.canAct && <th scope="col">Action</th>}
              </>
          }
        >
              {list.map((s) => (
                <tr key={s.name}>
                  <th scope="row">{s.name}</th>
                  <td>
                    <code>{s.cron}</code> {s.timezone}
                  </td>
                  <td>
                    {s.type} → {s.queue}
                  </td>
                  <td>{s.enabled ? "active" : "paused"}</td>
                  <td>
                    <Time at={s.next_run_at} />
                  </td>
                  <td>
                    <Time at={s.last_run_at} />
                  </td>
                  {session.canAct && (
                    <td>
                      <PauseButton name={s.name} paused={!s.enabled} busy={pause.isPending} onToggle={(p) => pause.mutate({ name: s.name, pause: p })} />
                    </td>
                  )}
                </tr>
              ))}
            </Table>
      )}
    </>
  )
}
