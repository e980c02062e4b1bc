import { readFileSync } from "node:fs"
import postgres from "postgres"
import { API_BASE } from "@leasehold/contracts"
import { createRawTable, rawComplete, rawInsert, rawLease } from "../../../packages/store-postgres/bench/rawBaseline.ts"
import type { makeClient } from "./httpClient.ts"

/**
 * Issue 10's loop: 8 HTTP clients lease 100 jobs at a time and send the previous batch's acks on the
 * next lease call (one round trip per cycle), beside the raw two-statement loop (bare UPDATE ... SKIP
 * LOCKED, then UPDATE ... = ANY, 8 connections, custom plans) on the same server in the same run.
 * Each reports jobs/s, CPU per job of the master and of the PostgreSQL backends, and WAL bytes per job.
 */
const CLIENTS = 8
const BATCH = 100

const cpuMs = (pid: number): number => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return (Number(f[11]) + Number(f[12])) * 10
  } catch {
    return Number.NaN
  }
}
const sumCpu = (pids: ReadonlyArray<number>) => pids.reduce((a, p) => a + cpuMs(p), 0)

export interface LoopSample {
  readonly rate: number
  readonly masterUs: number
  readonly serverUs: number
  readonly walBytes: number
  /** Lease round trips (ms) after warm-up: the first 20 calls of each client are left out. */
  readonly roundTrips: ReadonlyArray<number>
}

const jobsFor = (queue: string, n: number) =>
  JSON.stringify({ jobs: Array.from({ length: n }, (_, i) => ({ type: "bench", queue, payload: { n: i, user: "u-123", tags: ["a", "b"] } })) })

/** Runs both loops once each (order alternating with `run`), on `total` jobs each. */
export const benchLeaseWithAcks = async (
  client: ReturnType<typeof makeClient>,
  databaseUrl: string,
  masterPid: number | undefined,
  run: number,
  total = 100_000
): Promise<{ http: LoopSample; raw: LoopSample }> => {
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  const raws = Array.from({ length: CLIENTS }, () => postgres(databaseUrl, { max: 1, onnotice: () => {}, prepare: true }))
  try {
    const db = (await admin<{ db: string }[]>`select current_database() as db`)[0]!.db
    const ownPids = new Set(
      await Promise.all([admin, ...raws].map(async (s) => (await s<{ pid: number }[]>`select pg_backend_pid() as pid`)[0]!.pid))
    )
    const rawPids = [...ownPids].slice(1)
    const masterBackends = async () =>
      (await admin<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${db}`).map((r) => r.pid).filter((p) => !ownPids.has(p))
    const lsn = async () => (await admin<{ l: string }[]>`select pg_current_wal_insert_lsn()::text as l`)[0]!.l
    const walSince = async (from: string) =>
      Number((await admin<{ d: string }[]>`select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), ${from}::pg_lsn)::text as d`)[0]!.d)

    const httpLoop = async (): Promise<LoopSample> => {
      const queue = `lwa-${run}`
      for (let i = 0; i < total; i += 10_000) await client.call("POST", `${API_BASE}/jobs/batch`, jobsFor(queue, Math.min(10_000, total - i)))
      await admin`vacuum analyze jobs`
      const backends = await masterBackends()
      const cpu0 = sumCpu(backends)
      const m0 = masterPid === undefined ? Number.NaN : cpuMs(masterPid)
      const wal0 = await lsn()
      let done = 0
      const roundTrips: Array<number> = []
      const started = performance.now()
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, c) => {
          let calls = 0
          let acks: Array<{ job_id: number; lease_token: string; outcome: "completed" }> = []
          for (;;) {
            const body = { worker_id: `lwa-${c}`, queues: [queue], max_jobs: BATCH, lease_seconds: 300, ...(acks.length > 0 ? { acks } : {}) }
            const sent = performance.now()
            const r = await client.json("POST", `${API_BASE}/jobs/lease`, body)
            if (++calls > 20) roundTrips.push(performance.now() - sent)
            done += (r.acks ?? []).filter((a: { ok: boolean }) => a.ok).length
            const hadAcks = acks.length > 0
            acks = r.jobs.map((j: { id: number; lease_token: string }) => ({ job_id: j.id, lease_token: j.lease_token, outcome: "completed" as const }))
            if (acks.length === 0 && !hadAcks) return
          }
        })
      )
      const seconds = (performance.now() - started) / 1000
      if (done !== total) throw new Error(`lease with acks: ${done} of ${total} acknowledged`)
      const left = (await admin<{ n: number }[]>`select count(*)::int as n from jobs where queue = ${queue} and status <> 'completed'`)[0]!.n
      if (left !== 0) throw new Error(`lease with acks: ${left} jobs not completed`)
      return {
        rate: total / seconds,
        masterUs: ((cpuMs(masterPid ?? -1) - m0) * 1000) / total,
        serverUs: ((sumCpu(backends) - cpu0) * 1000) / total,
        walBytes: (await walSince(wal0)) / total,
        roundTrips
      }
    }

    const rawLoop = async (): Promise<LoopSample> => {
      await createRawTable(admin)
      await rawInsert(admin, "bench", total)
      await admin`vacuum analyze raw_jobs`
      const cpu0 = sumCpu(rawPids)
      const wal0 = await lsn()
      let done = 0
      const roundTrips: Array<number> = []
      const started = performance.now()
      await Promise.all(
        raws.map(async (sql, c) => {
          let cycles = 0
          for (;;) {
            // One cycle (complete the last batch, lease the next) is two round trips here, one on the HTTP loop.
            const sent = performance.now()
            const rows = await rawLease(sql, `w${c}`, "bench", BATCH)
            if (rows.length === 0) return
            await rawComplete(sql, rows.map((j) => Number(j.id)))
            if (++cycles > 20) roundTrips.push(performance.now() - sent)
            done += rows.length
          }
        })
      )
      const seconds = (performance.now() - started) / 1000
      if (done !== total) throw new Error(`raw loop: ${done} of ${total}`)
      const out = { rate: total / seconds, masterUs: Number.NaN, serverUs: ((sumCpu(rawPids) - cpu0) * 1000) / total, walBytes: (await walSince(wal0)) / total, roundTrips }
      await admin`drop table raw_jobs`
      return out
    }

    if (run % 2 === 0) {
      const http = await httpLoop()
      return { http, raw: await rawLoop() }
    }
    const raw = await rawLoop()
    return { http: await httpLoop(), raw }
  } finally {
    await Promise.all(raws.map((s) => s.end()))
    await admin.end()
  }
}
