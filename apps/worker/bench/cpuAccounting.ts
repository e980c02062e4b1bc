import { readFileSync } from "node:fs"
import type postgres from "postgres"

/**
 * CPU accounting for the worker bench: the CPU time of each process involved (master, workers and
 * the PostgreSQL backends serving the bench database), read from /proc, and the WAL written.
 * The server must run on this machine for the backends' share (NaN otherwise).
 */
const TICK_MS = 10

/** CPU milliseconds a process has used so far, in total and in the kernel (system time), or undefined when it is gone. */
const cpuSplitMs = (pid: number | undefined): { readonly total: number; readonly sys: number } | undefined => {
  if (pid === undefined) return undefined
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    const sys = Number(fields[12]) * TICK_MS
    return { total: Number(fields[11]) * TICK_MS + sys, sys }
  } catch {
    return undefined
  }
}

const sum = (pids: ReadonlyArray<number>, at: Map<number, number>, sysAt: Map<number, number>) => {
  let total = 0
  for (const pid of pids) {
    const ms = cpuSplitMs(pid)
    if (ms !== undefined) {
      at.set(pid, ms.total)
      sysAt.set(pid, ms.sys)
      total += ms.total
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
  /** The kernel's part of `byGroup` (system time: sockets, syscalls, page faults). */
  readonly sysByGroup: Record<string, number>
  readonly walBytes: number
}

/**
 * Starts measuring: call the returned function after `jobs` jobs went through. Backends that open
 * during the run count from zero; the bench's own connection is left out.
 */
export const startCpuAccounting = async (sql: postgres.Sql, database: string, groups: Record<string, ReadonlyArray<number>>) => {
  const before = new Map<number, number>()
  const sysBefore = new Map<number, number>()
  const backendsBefore = await backendPids(sql, database)
  sum(backendsBefore, before, sysBefore)
  for (const pids of Object.values(groups)) sum(pids, before, sysBefore)
  const lsn = await walLsn(sql)
  return async (jobs: number): Promise<CpuPerJob> => {
    const byGroup: Record<string, number> = {}
    const sysByGroup: Record<string, number> = {}
    const after = new Map<number, number>()
    const sysAfter = new Map<number, number>()
    const delta = (pids: ReadonlyArray<number>, a: Map<number, number>, b: Map<number, number>) =>
      pids.reduce((acc, pid) => acc + (a.get(pid) ?? b.get(pid) ?? 0) - (b.get(pid) ?? 0), 0)
    const measure = (group: string, pids: ReadonlyArray<number>) => {
      sum(pids, after, sysAfter)
      byGroup[group] = (delta(pids, after, before) * 1000) / jobs
      sysByGroup[group] = (delta(pids, sysAfter, sysBefore) * 1000) / jobs
    }
    for (const [group, pids] of Object.entries(groups)) measure(group, pids)
    measure("postgres", [...new Set([...backendsBefore, ...(await backendPids(sql, database))])])
    const [wal] = await sql<{ d: string }[]>`select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), ${lsn}::pg_lsn)::text as d`
    return { byGroup, sysByGroup, walBytes: Number(wal!.d) / jobs }
  }
}
