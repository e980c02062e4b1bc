import { Command } from "commander"
import { EnqueueResponse, JobResponse, ListJobsResponse, MAX_BATCH_JOBS, Routes } from "@leasehold/contracts"
import { defined, intOption, jobIdArg, jsonOption, UsageError, type CommandContext } from "../CliContext.ts"
import { fields } from "../format.ts"
import { jobDetails, jobsTable } from "../render.ts"
import { enqueueFile } from "./enqueueFile.ts"

const STATUSES = ["pending", "processing", "retrying", "completed", "failed", "cancelled"]

/** `leasehold jobs list|get|enqueue|retry|cancel`. */
export const jobsCommand = (ctx: CommandContext): Command => {
  const jobs = new Command("jobs").description("list, inspect, enqueue, retry and cancel jobs")

  jobs
    .command("list")
    .description("list jobs by id (one page; --cursor for the next)")
    .option("--queue <queue>", "only this queue")
    .option("--status <status>", `only this status (${STATUSES.join(", ")})`)
    .option("--type <type>", "only this type")
    .option("--worker <id>", "only jobs leased by this worker")
    .option("--limit <n>", "jobs per page (1..500)", intOption(1, 500))
    .option("--cursor <cursor>", "continue after a previous page")
    .action(async (o: { queue?: string; status?: string; type?: string; worker?: string; limit?: number; cursor?: string }) => {
      if (o.status !== undefined && !STATUSES.includes(o.status)) throw new UsageError(`--status must be one of ${STATUSES.join(", ")}`)
      const page = await ctx.client().get(ListJobsResponse, Routes.jobs, {
        queue: o.queue,
        status: o.status,
        type: o.type,
        worker_id: o.worker,
        limit: o.limit,
        cursor: o.cursor
      })
      ctx.print(() => jobsTable(page.jobs) + (page.next_cursor ? `\nmore: --cursor ${page.next_cursor}` : ""), page)
    })

  jobs
    .command("get")
    .description("show one job")
    .argument("<id>", "job id")
    .action(async (id: string) => {
      const { job } = await ctx.client().get(JobResponse, Routes.job(jobIdArg(id)))
      ctx.print(() => jobDetails(job), { job })
    })

  jobs
    .command("enqueue")
    .description("enqueue one job, or many from an NDJSON file with --file (one job object per line)")
    .argument("[type]", "job type (handler name)")
    .option("--file <path>", "NDJSON file of job objects ({type, queue?, payload?, ...}); '-' reads stdin")
    .option("--chunk-size <n>", `jobs per POST /jobs/batch with --file (1..${MAX_BATCH_JOBS})`, intOption(1, MAX_BATCH_JOBS), 1000)
    .option("--queue <queue>", "queue (default: default)")
    .option("--payload <json>", "payload as JSON", jsonOption)
    .option("--priority <n>", "priority -1000..1000", intOption(-1000, 1000))
    .option("--run-at <time>", "earliest run time, RFC 3339")
    .option("--delay-ms <ms>", "delay before it may run", intOption(0, 31_536_000_000))
    .option("--max-attempts <n>", "attempts before it fails for good (1..100)", intOption(1, 100))
    .option("--idempotency-key <key>", "enqueueing the same key again in the queue returns the existing job")
    .option("--concurrency-key <key>", "jobs of the queue sharing it run at most key_concurrency (default 1) at a time")
    .action(async (type: string | undefined, o: Record<string, unknown> & { file?: string; chunkSize: number }) => {
      if (o.file !== undefined) {
        if (type !== undefined) throw new UsageError("give either a job type or --file, not both")
        return enqueueFile(ctx, o.file, o.chunkSize)
      }
      if (type === undefined) throw new UsageError("missing job type (or --file)")
      const body = defined({
        type,
        queue: o.queue,
        payload: o.payload,
        priority: o.priority,
        run_at: o.runAt,
        delay_ms: o.delayMs,
        max_attempts: o.maxAttempts,
        idempotency_key: o.idempotencyKey,
        concurrency_key: o.concurrencyKey
      })
      const res = await ctx.client().send(EnqueueResponse, "POST", Routes.jobs, body)
      ctx.print(
        () => `${res.duplicate ? "exists already (same idempotency key)" : "enqueued"}\n${fields([["id", String(res.job.id)], ["queue", res.job.queue], ["type", res.job.type], ["status", res.job.status]])}`,
        res
      )
    })

  for (const [name, route, description] of [
    ["retry", Routes.jobRetry, "put a failed, cancelled or retrying job back to pending"],
    ["cancel", Routes.jobCancel, "cancel a pending, retrying or processing job"]
  ] as const) {
    jobs
      .command(name)
      .description(description)
      .argument("<id>", "job id")
      .action(async (id: string) => {
        const { job } = await ctx.client().send(JobResponse, "POST", route(jobIdArg(id)))
        ctx.print(() => `job ${job.id} is ${job.status}`, { job })
      })
  }
  return jobs
}
