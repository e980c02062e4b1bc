import { Routes } from "@leasehold/contracts"
import { get, type Workload } from "./workload.ts"

/** A snapshot of the demo's progress, read from the master. */
export interface Progress {
  readonly line: string
  readonly settled: boolean
  readonly summary: ReadonlyArray<string>
}

/** Reads the queues, the scan and the notable jobs, and says whether the whole workload has settled. */
export const readProgress = async (master: string, w: Workload): Promise<Progress> => {
  const stats = await get(master, Routes.stats)
  const q = stats.queues.default ?? {}
  const { scan } = await get(master, Routes.scan(w.scan))
  const { workflow } = await get(master, Routes.workflow(w.workflow))
  const reduceNode = workflow.jobs.find((j: { key: string }) => j.key === "reduce")
  const reduce = reduceNode === undefined ? undefined : (await get(master, Routes.job(reduceNode.job_id))).job
  const [delayed, flaky, poison] = await Promise.all(
    [w.delayed, w.flaky, w.poison].map(async (id) => (await get(master, Routes.job(id))).job)
  )
  const line =
    `default: ${q.completed ?? 0} completed, ${q.failed ?? 0} failed, ${q.processing ?? 0} running, ` +
    `${(q.pending ?? 0) + (q.retrying ?? 0)} waiting | scan ${w.scan}: ${(scan.progress * 100).toFixed(1)}% ` +
    `(${scan.batches.completed} batches) | delayed: ${delayed.status} | flaky: ${flaky.status} ` +
    `(attempt ${flaky.attempts}) | poison: ${poison.status} (attempt ${poison.attempts}) | ` +
    `workflow #${workflow.id}: ${workflow.status} (${workflow.counts.completed}/${workflow.jobs.length}) | workers: ${stats.workers_active}`
  const settled =
    scan.done &&
    delayed.status === "completed" &&
    flaky.status === "completed" &&
    poison.status === "failed" &&
    workflow.status === "completed"
  const summary = [
    `ordinary jobs: ${w.emails.length} enqueued in one batch`,
    `delayed job #${delayed.id}: ran after its delay, ${delayed.status}`,
    `flaky job #${flaky.id}: ${flaky.status} on attempt ${flaky.attempts}; earlier errors: ${flaky.errors.map((e: { message: string }) => e.message).join("; ")}`,
    `poison job #${poison.id}: ${poison.status} after ${poison.attempts} attempts (dead letter); history: ${poison.errors.map((e: { attempt: number; message: string }) => `#${e.attempt} ${e.message}`).join("; ")}`,
    `scan ${w.scan}: [${scan.start}, ${scan.end}) in ${scan.batches.completed} batches carved at the sizes the workers asked for, progress ${scan.progress}`,
    `workflow #${workflow.id} (${workflow.name}): ${workflow.status}; the split added ${workflow.jobs.length - 2} maps and a reduce at run time; ` +
      `the reduce read ${reduce?.result?.maps} map results through ctx.workflow.dependencies: ${reduce?.result?.words} words, ` +
      `${reduce?.result?.distinct} distinct, top ${(reduce?.result?.top ?? []).map(([word, n]: [string, number]) => `${word} ${n}`).join(", ")}`
  ]
  return { line, settled, summary }
}
