import { randomBytes } from "node:crypto"
import type postgres from "postgres"
import { JOBS_CHANNEL, listenJobs } from "../listenJobs.ts"

/** What a LISTEN on the jobs channel heard, read only up to a fence so nothing earlier or later is mistaken. */
export interface NotificationLog {
  /**
   * Sends a marker NOTIFY after everything committed so far and waits until it arrives: notifications
   * are delivered in commit order, so every earlier one (duplicates included) has been heard. Answers
   * the queues heard since the previous fence, in order, and starts a new window.
   */
  readonly fence: (timeoutMs?: number) => Promise<Array<string>>
  readonly close: () => Promise<void>
}

/** Listens on the jobs channel through `sql` (one dedicated connection) and notifies fences through it too. */
export const notificationLog = async (sql: postgres.Sql): Promise<NotificationLog> => {
  let window: Array<string> = []
  const sub = await listenJobs(sql, (queue) => window.push(queue))
  return {
    fence: async (timeoutMs = 10_000) => {
      const marker = `fence-${randomBytes(6).toString("hex")}`
      await sql`select pg_notify(${JOBS_CHANNEL}, ${marker})`
      const deadline = Date.now() + timeoutMs
      while (!window.includes(marker)) {
        if (Date.now() > deadline) throw new Error(`notification fence ${marker} not heard within ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 5))
      }
      const heard = window.slice(0, window.indexOf(marker))
      window = window.slice(window.indexOf(marker) + 1)
      return heard
    },
    close: () => sub.unlisten()
  }
}
