import type postgres from "postgres"

/** The NOTIFY channel enqueues signal on; the payload is the queue name. */
export const JOBS_CHANNEL = "leasehold_jobs"

/** Subscribes to enqueue notifications on one dedicated connection (postgres.js keeps it alive and re-listens). */
export const listenJobs = async (
  sql: postgres.Sql,
  onQueue: (queue: string) => void
): Promise<{ unlisten: () => Promise<void> }> => {
  const sub = await sql.listen(JOBS_CHANNEL, (payload) => onQueue(payload))
  return { unlisten: () => sub.unlisten() }
}
