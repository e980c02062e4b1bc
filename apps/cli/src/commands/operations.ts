import { Command } from "commander"
import { ListLeasesResponse, ListWorkersResponse, RecoverResponse, Routes, StatsResponse } from "@leasehold/contracts"
import { intOption, type CommandContext } from "../CliContext.ts"
import { duration, relative, table } from "../format.ts"

/** `leasehold leases active|expired|recover`. */
export const leasesCommand = (ctx: CommandContext): Command => {
  const leases = new Command("leases").description("live and expired leases; recover expired ones")
  for (const state of ["active", "expired"] as const) {
    leases
      .command(state)
      .description(`list ${state} leases`)
      .option("--queue <queue>", "only this queue")
      .option("--limit <n>", "at most this many (1..1000)", intOption(1, 1000))
      .action(async (o: { queue?: string; limit?: number }) => {
        const res = await ctx.client().get(ListLeasesResponse, Routes.leases, { state, queue: o.queue, limit: o.limit })
        ctx.print(
          () =>
            table(res.leases, [
              { header: "JOB", cell: (l) => String(l.job_id), align: "right" },
              { header: "QUEUE", cell: (l) => l.queue },
              { header: "TYPE", cell: (l) => l.type },
              { header: "WORKER", cell: (l) => l.worker_id },
              { header: "LEASED", cell: (l) => relative(l.leased_at) },
              { header: state === "active" ? "EXPIRES" : "EXPIRED", cell: (l) => relative(l.lease_expires_at) }
            ]),
          res
        )
      })
  }
  leases
    .command("recover")
    .description("recover expired leases now (what the sweeper does)")
    .action(async () => {
      const res = await ctx.client().send(RecoverResponse, "POST", Routes.leasesRecover)
      ctx.print(() => `recovered ${res.retried + res.failed} expired leases: ${res.retried} to retry, ${res.failed} failed`, res)
    })
  return leases
}

/** `leasehold stats`: per-queue counts by status. */
export const statsCommand = (ctx: CommandContext): Command =>
  new Command("stats").description("jobs per queue by status, expired leases, active workers").action(async () => {
    const res = await ctx.client().get(StatsResponse, Routes.stats)
    const rows = Object.entries(res.queues).sort(([a], [b]) => a.localeCompare(b))
    const count = (n: number) => String(n)
    ctx.print(
      () =>
        `${table(rows, [
          { header: "QUEUE", cell: ([q]) => q },
          { header: "PENDING", cell: ([, s]) => count(s.pending), align: "right" },
          { header: "PROCESSING", cell: ([, s]) => count(s.processing), align: "right" },
          { header: "RETRYING", cell: ([, s]) => count(s.retrying), align: "right" },
          { header: "COMPLETED", cell: ([, s]) => count(s.completed), align: "right" },
          { header: "FAILED", cell: ([, s]) => count(s.failed), align: "right" },
          { header: "CANCELLED", cell: ([, s]) => count(s.cancelled), align: "right" },
          { header: "OLDEST PENDING", cell: ([, s]) => (s.oldest_pending_age_ms === null ? "-" : duration(s.oldest_pending_age_ms)) }
        ])}\nexpired leases: ${res.expired_leases}\nactive workers: ${res.workers_active}`,
      res
    )
  })

/** `leasehold workers`: who was seen lately and what each holds. */
export const workersCommand = (ctx: CommandContext): Command =>
  new Command("workers").description("workers seen in the last 10 minutes").action(async () => {
    const res = await ctx.client().get(ListWorkersResponse, Routes.workers)
    ctx.print(
      () =>
        table(res.workers, [
          { header: "WORKER", cell: (w) => w.worker_id },
          { header: "LAST SEEN", cell: (w) => relative(w.last_seen_at) },
          { header: "IN FLIGHT", cell: (w) => String(w.in_flight), align: "right" }
        ]),
      res
    )
  })
