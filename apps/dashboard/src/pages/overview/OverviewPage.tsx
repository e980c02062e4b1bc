import { useEffect } from "react"
import { Link } from "wouter"
import { ErrorNote } from "../../ui/ErrorNote.tsx"
import { formatCount, formatDuration } from "../../ui/format.ts"
import { QueueTable } from "./QueueTable.tsx"
import { ThroughputChart } from "./ThroughputChart.tsx"
import { useStats, useThroughput } from "./useOverview.ts"

/** Marked once per page load when the overview first shows data (scripts/figures.ts reads it). */
export const FIRST_DATA_MARK = "leasehold:overview-first-data"

/** The overview: headline figures, the last hour's throughput, and per-queue counts; live. */
export const OverviewPage = () => {
  const stats = useStats()
  const throughput = useThroughput()
  const queues = stats.data ? Object.values(stats.data.queues) : []
  const pending = queues.reduce((s, q) => s + q.pending, 0)
  useEffect(() => {
    if (stats.data && performance.getEntriesByName(FIRST_DATA_MARK).length === 0) performance.mark(FIRST_DATA_MARK)
  }, [stats.data])
  const oldest = queues.reduce<number | null>((m, q) => (q.oldest_pending_age_ms === null ? m : Math.max(m ?? 0, q.oldest_pending_age_ms)), null)
  return (
    <>
      <h1>Overview</h1>
      <ErrorNote error={stats.error} />
      {stats.data && (
        <dl className="cards">
          <div>
            <dt>Pending jobs</dt>
            <dd>{formatCount(pending)}</dd>
          </div>
          <div>
            <dt>Oldest pending</dt>
            <dd>{oldest === null ? "—" : formatDuration(oldest)}</dd>
          </div>
          <div>
            <dt>Expired leases</dt>
            <dd>{formatCount(stats.data.expired_leases)}</dd>
          </div>
          <div>
            <dt>Active workers</dt>
            <dd>
              <Link href="/workers">{formatCount(stats.data.workers_active)}</Link>
            </dd>
          </div>
        </dl>
      )}
      <section aria-labelledby="throughput-title">
        <h2 id="throughput-title">Throughput</h2>
        {throughput.data ? <ThroughputChart data={throughput.data.minutes} /> : <ErrorNote error={throughput.error} />}
      </section>
      <section aria-labelledby="queues-title">
        <h2 id="queues-title">Queues</h2>
        {stats.data ? <QueueTable queues={stats.data.queues} /> : !stats.error && <p className="muted">Loading…</p>}
      </section>
    </>
  )
}
