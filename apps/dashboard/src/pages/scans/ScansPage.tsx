import { Link } from "wouter"
import { useSession } from "../../api/session.ts"
import { ErrorNote } from "../../ui/ErrorNote.tsx"
import { formatCount } from "../../ui/format.ts"
import { PauseButton } from "../../ui/PauseButton.tsx"
import { useScanPause, useScans } from "./useScans.ts"

/** Scans with a progress bar each (completed units of the range), batch counts, and Pause / Resume for admins. */
export const ScansPage = () => {
  const scans = useScans()
  const pause = useScanPause()
  const session = useSession()
  return (
    <>
      <h1>Scans</h1>
      <ErrorNote error={scans.error ?? pause.error} />
      {scans.data && scans.data.scans.length === 0 && <p className="muted">No scans.</p>}
      <ul className="cards-list">
        {scans.data?.scans.map((s) => {
          const pct = Math.round(s.progress * 1000) / 10
          return (
            <li key={s.name}>
              <h2>{s.name}</h2>
              <p>
                {s.type} on <Link href={`/jobs?queue=${encodeURIComponent(s.queue)}`}>{s.queue}</Link> · range {formatCount(s.start)}..{formatCount(s.end)} ·{" "}
                {s.done ? "done" : s.paused ? "paused" : "running"}
              </p>
              <progress max={1} value={s.progress} aria-label={`${s.name} progress`}>
                {pct}%
              </progress>
              <p>
                {pct}% · {formatCount(s.completed_units)} of {formatCount(s.total_units)} units completed
                {s.failed_units > 0 && `, ${formatCount(s.failed_units)} failed`} · batches: {s.batches.pending} pending, {s.batches.processing} processing,{" "}
                {s.batches.completed} completed, {s.batches.failed} failed
              </p>
              {session.canAct && !s.done && (
                <PauseButton name={s.name} paused={s.paused} busy={pause.isPending} onToggle={(p) => pause.mutate({ name: s.name, pause: p })} />
              )}
            </li>
          )
        })}
      </ul>
    </>
  )
}
