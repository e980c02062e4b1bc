import { EnqueueBatchResponse, Routes } from "@leasehold/contracts"
import { ApiError } from "../MasterClient.ts"
import { UsageError, type CommandContext } from "../CliContext.ts"
import { duration, progressBar } from "../format.ts"

/** A chunk stays well under the master's 32 MiB request limit, however large its jobs. */
const MAX_CHUNK_BYTES = 16 * 1024 * 1024

/** Reads an NDJSON file of jobs: one JSON object per non-blank line, remembering each job's line number. */
const readJobs = async (ctx: CommandContext, path: string) => {
  let text: string
  try {
    text = await ctx.io.readFile(path)
  } catch (cause) {
    throw new UsageError(`cannot read ${path}: ${cause instanceof Error ? cause.message : String(cause)}`)
  }
  const jobs: Array<unknown> = []
  const lines: Array<number> = []
  const sizes: Array<number> = []
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return
    let job: unknown
    try {
      job = JSON.parse(raw)
    } catch {
      throw new UsageError(`${path}:${i + 1}: not valid JSON`)
    }
    if (typeof job !== "object" || job === null || Array.isArray(job)) throw new UsageError(`${path}:${i + 1}: expected a JSON object`)
    jobs.push(job)
    lines.push(i + 1)
    sizes.push(Buffer.byteLength(raw))
  })
  if (jobs.length === 0) throw new UsageError(`${path}: no jobs in the file`)
  return { jobs, lines, sizes }
}

/**
 * Bulk enqueue through `POST /jobs/batch` in chunks of `chunkSize` jobs (fewer when they are large),
 * drawing a progress bar on stderr (redrawn in place on a terminal, a line per tenth otherwise).
 * Each chunk is all or nothing; a refused chunk stops the run, naming the file line of the job.
 */
export const enqueueFile = async (ctx: CommandContext, path: string, chunkSize: number): Promise<void> => {
  const { jobs, lines, sizes } = await readJobs(ctx, path)
  const client = ctx.client()
  const started = Date.now()
  let done = 0
  let duplicates = 0
  let lastTenth = -1
  const draw = (final: boolean) => {
    const line = `${progressBar(done / jobs.length)}  ${done}/${jobs.length} jobs`
    if (ctx.io.stderrIsTTY) ctx.io.err(`\r\x1b[K${line}${final ? "\n" : ""}`)
    else if (Math.floor((10 * done) / jobs.length) > lastTenth || final) {
      lastTenth = Math.floor((10 * done) / jobs.length)
      ctx.io.err(`${line}\n`)
    }
  }
  draw(false)
  for (let from = 0, to = 0; from < jobs.length; from = to) {
    let bytes = 0
    for (to = from; to < jobs.length && to - from < chunkSize && (to === from || bytes + sizes[to]! <= MAX_CHUNK_BYTES); to++) {
      bytes += sizes[to]!
    }
    const chunk = jobs.slice(from, to)
    try {
      const res = await client.send(EnqueueBatchResponse, "POST", Routes.jobsBatch, { jobs: chunk })
      duplicates += res.jobs.filter((j) => j.duplicate === true).length
    } catch (e) {
      if (ctx.io.stderrIsTTY) ctx.io.err("\n")
      if (e instanceof ApiError) {
        const index = (e.details as { index?: unknown } | undefined)?.index
        const where = typeof index === "number" && lines[from + index] !== undefined ? `${path}:${lines[from + index]}: ` : ""
        throw new ApiError(e.status, e.code, `${where}${e.message} (${done} jobs enqueued before this chunk)`, e.details)
      }
      throw e
    }
    done += chunk.length
    draw(done === jobs.length)
  }
  const elapsed = Date.now() - started
  ctx.print(
    () => `enqueued ${done} jobs (${duplicates} duplicates) in ${duration(elapsed) === "0s" ? `${elapsed}ms` : duration(elapsed)}`,
    { enqueued: done, duplicates }
  )
}
