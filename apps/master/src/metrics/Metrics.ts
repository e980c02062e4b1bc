import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client"
import type { StoreStats } from "@leasehold/core"

/** The master's Prometheus metrics, in a registry of its own so several masters can share a process. */
export interface Metrics {
  readonly registry: Registry
  readonly enqueued: Counter<"queue">
  readonly leased: Counter<"queue">
  readonly completed: Counter<"queue">
  readonly failed: Counter<"queue">
  readonly leaseLatency: Histogram<"outcome">
  readonly expired: Counter<"outcome">
  readonly httpDuration: Histogram<"method" | "route" | "status">
  /** Remembers which queue a job leased here belongs to, so batched acks can be counted by queue. */
  readonly rememberQueue: (jobId: number, queue: string) => void
  readonly queueOf: (jobId: number) => string
}

/** Bounded memory for `rememberQueue`: a lease batch of 1000 times 100 clients fits. */
const QUEUE_MEMORY = 100_000

/** Builds the metrics; queue depth and oldest pending age are read from the store at scrape time. */
export const makeMetrics = (readStats: () => Promise<StoreStats | null>, waiting: () => number = () => 0): Metrics => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ["queue"] as const, registers: [registry] })
  const enqueued = counter("leasehold_jobs_enqueued_total", "Jobs enqueued through this master")
  const leased = counter("leasehold_jobs_leased_total", "Jobs leased through this master")
  const completed = counter("leasehold_jobs_completed_total", "Jobs completed through this master")
  const failed = counter("leasehold_jobs_failed_total", "Failed attempts reported through this master")
  const leaseLatency = new Histogram({
    name: "leasehold_lease_duration_seconds",
    help: "Time to answer a lease call, including any long-poll wait",
    labelNames: ["outcome"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry]
  })
  const expired = new Counter({
    name: "leasehold_leases_expired_total",
    help: "Expired leases recovered by this master's sweeper",
    labelNames: ["outcome"] as const,
    registers: [registry]
  })
  const httpDuration = new Histogram({
    name: "leasehold_http_request_duration_seconds",
    help: "HTTP request durations by route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry]
  })
  let snapshot: Promise<StoreStats | null> | undefined
  const stats = () => (snapshot ??= readStats().finally(() => setTimeout(() => (snapshot = undefined), 0)))
  new Gauge({
    name: "leasehold_queue_depth",
    help: "Jobs per queue and status",
    labelNames: ["queue", "status"] as const,
    registers: [registry],
    async collect() {
      this.reset()
      const s = await stats()
      for (const [queue, q] of Object.entries(s?.queues ?? {}))
        for (const status of ["pending", "processing", "retrying", "completed", "failed", "cancelled"] as const)
          this.set({ queue, status }, q[status])
    }
  })
  new Gauge({
    name: "leasehold_oldest_pending_age_seconds",
    help: "Age of the oldest leasable pending job per queue",
    labelNames: ["queue"] as const,
    registers: [registry],
    async collect() {
      this.reset()
      const s = await stats()
      for (const [queue, q] of Object.entries(s?.queues ?? {})) this.set({ queue }, (q.oldest_pending_age_ms ?? 0) / 1000)
    }
  })
  new Gauge({
    name: "leasehold_expired_leases",
    help: "Leases past their expiry not yet recovered",
    registers: [registry],
    async collect() {
      const s = await stats()
      this.set(s?.expired_leases ?? 0)
    }
  })
  new Gauge({
    name: "leasehold_long_polls_waiting",
    help: "Lease calls of this master currently long-polling",
    registers: [registry],
    collect() {
      this.set(waiting())
    }
  })
  const queues = new Map<number, string>()
  return {
    registry,
    enqueued,
    leased,
    completed,
    failed,
    leaseLatency,
    expired,
    httpDuration,
    rememberQueue: (jobId, queue) => {
      if (queues.size >= QUEUE_MEMORY) queues.delete(queues.keys().next().value!)
      queues.set(jobId, queue)
    },
    queueOf: (jobId) => {
      const q = queues.get(jobId)
      if (q === undefined) return "unknown"
      queues.delete(jobId)
      return q
    }
  }
}
