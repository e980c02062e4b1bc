#!/usr/bin/env node
// `pnpm bench:compare -- [REF] [RUNS] [OTHER]`: the store's lease + ack loop (8 connections, batch 100) at this
// checkout (or at commit OTHER, checked out like REF: `pnpm bench:compare -- d542164^ 3 d542164` measures one
// commit's own cost) and at REF (default 8b86f01, before acks on a lease, counters, workflows and queues), run
// alternately RUNS times (default 5) on the same server, with the raw two-statement loop measured beside
// each run. Prints each run and the medians: jobs/s, store/raw, WAL and CPU per job, and HEAD / REF.
// Server: DATABASE_URL, else the machine's PostgreSQL at 127.0.0.1:5432. Prints, never asserts.
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const args = process.argv.slice(2).filter((a) => a !== "--")
const ref = args[0] ?? "8b86f01"
const runs = Number(args[1] ?? 5)
const root = fileURLToPath(new URL("../../", import.meta.url))
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
const other = args[2]
const shortSha = (r) => execFileSync("git", ["rev-parse", "--short", r], { cwd: root, encoding: "utf8" }).trim()
const sha = shortSha(ref)
const headName = other ? shortSha(other) : "HEAD"

const sh = (cmd, argv, cwd) => {
  const r = spawnSync(cmd, argv, { cwd, encoding: "utf8", env: { ...process.env, DATABASE_URL: databaseUrl, BENCH_BATCHES: "100", BENCH_ENQUEUE: "0", BENCH_REPEATS: "1", BENCH_FLOW: "0" } })
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")} in ${cwd} failed:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}
/** A detached worktree of commit `at` with its dependencies installed (kept for the next run). */
const checkout = (at) => {
  const dir = join(tmpdir(), `leasehold-bench-${at}`)
  if (!existsSync(join(dir, "node_modules", ".modules.yaml"))) {
    console.log(`bench:compare: checking out ${at} in ${dir} and installing its dependencies`)
    if (!existsSync(dir)) sh("git", ["worktree", "add", "--detach", dir, at], root)
    sh("pnpm", ["install", "--frozen-lockfile", "--prefer-offline"], dir)
  }
  return dir
}
const baseDir = checkout(sha)
const headDir = other ? checkout(headName) : root

const measure = (dir) => {
  const out = sh("pnpm", ["--filter", "@leasehold/store-postgres", "bench"], dir)
  const row = out.split("\n").find((l) => /^\s*100 \|/.test(l))
  if (!row) throw new Error(`no batch-100 row in:\n${out}`)
  const [, store, raw, , wal, , cpu] = row.split("|").map((s) => s.trim())
  const [client, server] = cpu.split("+").map(Number)
  return { store: Number(store), raw: Number(raw), wal: Number(wal), client, server }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const results = { head: [], base: [] }
console.log(`lease + ack, 8 connections, batch 100 (store bench), ${headName} vs ${sha}, ${runs} alternating runs, server ${databaseUrl.replace(/\/\/[^@]*@/, "//")}`)
for (let i = 0; i < runs; i++) {
  const order = i % 2 === 0 ? ["head", "base"] : ["base", "head"]
  for (const which of order) {
    const r = measure(which === "head" ? headDir : baseDir)
    results[which].push(r)
    console.log(`run ${i + 1} ${which === "head" ? headName.padEnd(7) : sha.padEnd(7)}: ${r.store} jobs/s (raw ${r.raw}, ${((100 * r.store) / r.raw).toFixed(0)}%), WAL ${r.wal} B/job, CPU us/job client ${r.client} + server ${r.server}`)
  }
}
const m = (which, f) => median(results[which].map(f))
for (const which of ["head", "base"])
  console.log(
    `median ${which === "head" ? headName.padEnd(7) : sha}: ${m(which, (r) => r.store).toFixed(0)} jobs/s, store/raw ${m(which, (r) => r.store / r.raw).toFixed(2)}, ` +
      `WAL ${m(which, (r) => r.wal).toFixed(0)} B/job, CPU us/job client ${m(which, (r) => r.client).toFixed(1)} + server ${m(which, (r) => r.server).toFixed(1)}`
  )
console.log(
  `${headName} / ${sha}: throughput ${(m("head", (r) => r.store) / m("base", (r) => r.store)).toFixed(2)}x, ` +
    `store/raw ${(m("head", (r) => r.store / r.raw) / m("base", (r) => r.store / r.raw)).toFixed(2)}x (the raw loop in the same run cancels the machine's load)`
)
