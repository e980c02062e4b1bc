import { readFileSync } from "node:fs"
import type postgres from "postgres"

/**
 * CPU accounting for the worker bench: the CPU time of each process involved (master, workers and
 * the PostgreSQL backends serving the bench database), read from /proc, and the WAL written.
 * The server must run on this machine for the backends' share (NaN otherwise).
 */
const TICK_MS = 10

/** CPU milliseconds (user + system) a process has used so far, or undefined when it is gone. */
export const cpuMs = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS
  } catch {
    return undefined
  }
}

const sum = (pids: ReadonlyArray<number>, at: Map<number, number>) => {
  let total = 0
  for (const pid of pids) {
    const ms = cpuMs(pid)
    if (ms !== undefined) {
      at.set(pid, ms)
      total += ms
    }
  }
  return total
}

const backendPids = async (sql: postgres.Sql, database: string) =>
  (await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid()`).map((r) => r.pid)

const walLsn = async (sql: postgres.Sql) => (await sql<{ lsn: string }[]>`select pg_current_wal_insert_lsn()::text as lsn`)[0]!.lsn

/** CPU microseconds per job of each group of processes, and WAL bytes per job (server-wide). */
export interface CpuPerJob {
  readonly byGroup: Record<string, number>
  readonly walBytes: number
}

/**
 * Starts measuring: call the returned function after `jobs` jobs went through. Backends that open
 * during the run count from zero; the bench's own connection is left out.
 */
export const startCpuAccounting = async (sql: postgres.Sql, database: string, groups: Record<string, ReadonlyArray<number>>) => {
  const before = new Map<number, number>()
  const backendsBefore = await backendPids(sql, database)
  sum(backendsBefore, before)
  for (const pids of Object.values(groups)) sum(pids, before)
  const lsn = await walLsn(sql)
  return async (jobs: number): Promise<CpuPerJob> => {
    const byGroup: Record<string, number> = {}
    const after = new Map<number, number>()
    const delta = (pids: ReadonlyArray<number>) => {
      sum(pids, after)
      return pids.reduce((acc, pid) => acc + (after.get(pid) ?? before.get(pid) ?? 0) - (before.get(pid) ?? 0), 0)
    }
    for (const [group, pids] of Object.entries(groups)) byGroup[group] = (delta(pids) * 1000) / jobs
    const backends = [...new Set([...backendsBefore, ...(await backendPids(sql, database))])]
    byGroup.postgres = (delta(backends) * 1000) / jobs
    const [wal] = await sql<{ d: string }[]>`select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), ${lsn}::pg_lsn)::text as d`
    return { byGroup, walBytes: Number(wal!.d) / jobs }
  }
}
