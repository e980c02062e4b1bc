/**
 * `pnpm bench` (after run.ts): what flow control costs the lease + ack loop, measured in the same run on
 * the same server, scenarios alternated round by round (median of BENCH_REPEATS, default 3):
 *  - a queue with no settings (the common lease statement alone);
 *  - a queue with a max_concurrency that never binds (the serialized controlled path);
 *  - a queue whose jobs carry 1,000 concurrency keys, key_concurrency 1 (per-key checks on the
 *    controlled path; CONNECTIONS x BATCH jobs in flight at most, so the limit holds some keys back).
 * Server: DATABASE_URL or TEST_DATABASE_URL when set, else a throwaway embedded PostgreSQL. Prints, never asserts.
 * BENCH_FLOW_JOBS sizes a run (default 5,000: the controlled paths are serialized); BENCH_FLOW=0 skips it;
 * BENCH_FLOW_CONNECTIONS sets the leasers (default 8); BENCH_FLOW_ONLY=1,2 runs only those scenarios;
 * BENCH_FLOW_ACKS=1 acks through the next lease, as the worker pool does.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import postgres from "postgres"
import { startEmbeddedPostgres, withDatabase } from "@leasehold/tooling"
import { connect, makePgQueueStore, migrate } from "../src/index.ts"
import { openClients } from "../src/testing/index.ts"

/** BENCH_FLOW_CONNECTIONS: 1 shows the per-call cost alone, without leasers queueing on a queue's row lock. */
const CONNECTIONS = Number(process.env.BENCH_FLOW_CONNECTIONS ?? 8)
/** Jobs per lease call: a prefetching worker's typical refill. */
const BATCH = 10
/** Jobs per measurement: a few seconds per scenario on a small machine. */
const JOBS = Number(process.env.BENCH_FLOW_JOBS ?? 5_000)
const KEYS = 1_000
/** BENCH_FLOW_ACKS=1: each lease carries the acks of the previous batch (the worker pool's loop), not a separate ack call. */
const ACKS_WITH_LEASE = process.env.BENCH_FLOW_ACKS === "1"
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3)

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

interface Scenario {
  readonly name: string
  readonly setup: (queues: ReturnType<typeof makePgQueueStore>, queue: string) => Promise<unknown>
  readonly keyOf: (i: number) => string | null
}

const ALL_SCENARIOS: ReadonlyArray<Scenario> = [
  { name: "no settings", setup: async () => {}, keyOf: () => null },
  {
    name: "max_concurrency 100000 (never binds)",
    setup: (q, queue) => Effect.runPromise(q.queueSettingsPatch({ name: queue, patch: { maxConcurrency: 100_000 } })),
    keyOf: () => null
  },
  {
    name: `key_concurrency 1 over ${KEYS} keys`,
    setup: (q, queue) => Effect.runPromise(q.queueSettingsPatch({ name: queue, patch: { keyConcurrency: 1 } })),
    keyOf: (i) => `key-${i % KEYS}`
  }
]

/** BENCH_FLOW_ONLY=<index,...> runs only those scenarios (to profile one path alone; ratios then need 0). */
const SCENARIOS = process.env.BENCH_FLOW_ONLY ? ALL_SCENARIOS.filter((_, i) => process.env.BENCH_FLOW_ONLY!.split(",").includes(String(i))) : ALL_SCENARIOS

const main = async () => {
  const external = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL
  const dataDir = external ? undefined : mkdtempSync(join(tmpdir(), "leasehold-bench-flow-"))
  const server = dataDir ? await startEmbeddedPostgres({ dataDir }) : undefined
  const adminUrl = external ?? server!.url
  const dbName = `lh_bench_flow_${Date.now().toString(36)}`
  const root = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await root.unsafe(`create database "${dbName}"`)
  const url = withDatabase(adminUrl, dbName)
  const admin = connect(url, { max: 2, application: "leasehold-bench" })
  const clients = await openClients(url, CONNECTIONS)
  try {
    await migrate(admin)
    const [v] = await admin<{ v: string }[]>`select current_setting('server_version') as v`
    console.log(`flow control: lease + ack${ACKS_WITH_LEASE ? " (acks carried by the next lease)" : ""}, ${CONNECTIONS} connections, batch ${BATCH}, ${JOBS} jobs per run, median of ${REPEATS}; server: ${server ? "embedded" : "external"} PostgreSQL ${v!.v}`)
    const queues = makePgQueueStore({ sql: admin })
    const runs = new Map<string, number[]>(SCENARIOS.map((s) => [s.name, []]))
    for (let r = 0; r < REPEATS; r++) {
      const order = r % 2 === 0 ? SCENARIOS : [...SCENARIOS].reverse()
      for (const [i, s] of order.entries()) {
        const queue = `flow-${r}-${i}`
        await s.setup(queues, queue)
        for (let at = 0; at < JOBS; at += 1000) {
          const jobs = Array.from({ length: Math.min(1000, JOBS - at) }, (_, k) => {
            const key = s.keyOf(at + k)
            return { type: "bench", queue, ...(key === null ? {} : { concurrencyKey: key }) }
          })
          await Effect.runPromise(clients.stores[0]!.jobEnqueueMany({ jobs }))
        }
        await admin`vacuum analyze jobs`
        let done = 0
        const started = performance.now()
        await Promise.all(
          clients.stores.map(async (store, c) => {
            let idle = 0
            let holding: ReadonlyArray<{ readonly id: number; readonly lease_token: string }> = []
            while (done < JOBS && idle < 1000) {
              if (ACKS_WITH_LEASE) {
                const acks = holding.map((j) => ({ jobId: j.id, leaseToken: j.lease_token, outcome: "completed" as const }))
                const out = await Effect.runPromise(store.jobLeaseAcquireAfterAcks({ workerId: `w${c}`, queues: [queue], maxJobs: BATCH, leaseSeconds: 60, acks }))
                done += holding.length
                holding = out.jobs
                idle = holding.length === 0 ? idle + 1 : 0
                if (holding.length === 0) await new Promise((res) => setImmediate(res))
                continue
              }
              const jobs = await Effect.runPromise(store.jobLeaseAcquire({ workerId: `w${c}`, queues: [queue], maxJobs: BATCH, leaseSeconds: 60 }))
              if (jobs.length === 0) {
                idle++
                await new Promise((res) => setImmediate(res))
                continue
              }
              idle = 0
              const items = jobs.map((j) => ({ jobId: j.id, leaseToken: j.lease_token, outcome: "completed" as const }))
              await Effect.runPromise(store.leaseAckMany({ workerId: `w${c}`, items }))
              done += jobs.length
            }
          })
        )
        runs.get(s.name)!.push(done / ((performance.now() - started) / 1000))
        await admin`delete from jobs where queue = ${queue}`
      }
    }
    const base = median(runs.get(ALL_SCENARIOS[0]!.name) ?? [NaN])
    for (const s of SCENARIOS) {
      const xs = runs.get(s.name)!
      console.log(`${s.name.padEnd(38)} ${median(xs).toFixed(0).padStart(7)} jobs/s (${((100 * median(xs)) / base).toFixed(0)}% of no settings; runs ${xs.map((x) => x.toFixed(0)).join(", ")})`)
    }
  } finally {
    await clients.close()
    await admin.end()
    await root.unsafe(`drop database if exists "${dbName}" with (force)`)
    await root.end()
    await server?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }
}

if (process.env.BENCH_FLOW !== "0") await main()
