import type { Handlers } from "@leasehold/core"

/** Waits `ms`, or rejects as soon as the job's signal fires (lease lost, cancelled, shutdown timeout). */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true })
  })

/**
 * The demo's handlers: the default export maps job type -> `async (job, ctx) => result`.
 * Run them with `pnpm worker -- --master http://127.0.0.1:8080 --handlers apps/demo/examples/handlers.ts`.
 */
const handlers: Handlers = {
  /** An ordinary job: pretend to send an e-mail. */
  "email.send": async (job, ctx) => {
    const { to } = job.payload as { to: string }
    await sleep(20 + Math.floor(Math.random() * 60), ctx.signal)
    return { delivered_to: to, message_id: `msg-${job.id}` }
  },

  /** A delayed job: enqueued with `delay_ms`, it only runs once due. */
  "report.generate": async (job, ctx) => {
    await sleep(100, ctx.signal)
    return { report: (job.payload as { name: string }).name, generated_at: new Date().toISOString() }
  },

  /** Fails its first two attempts (a flaky payment gateway), then succeeds: the master retries with backoff. */
  "payment.charge": async (job, ctx) => {
    if (ctx.attempt <= 2) throw new Error(`gateway timeout (attempt ${ctx.attempt})`)
    ctx.log.info("payment charged", { job_id: job.id, attempt: ctx.attempt, idempotency_key: ctx.idempotencyKey })
    return { charged: (job.payload as { cents: number }).cents, attempt: ctx.attempt }
  },

  /** A poison job: its payload can never be processed, so it ends `failed` (the dead letter state) after max attempts. */
  "image.resize": async (job) => {
    const { url } = job.payload as { url: string }
    throw new Error(`cannot decode image at ${url}`)
  },

  /** One batch of a scan: the payload carries `{start, end}`, carved by the master at the size this worker asked for. */
  "numbers.sum": async (job, ctx) => {
    const { start, end } = job.payload as { start: number; end: number }
    let sum = 0
    for (let n = start; n < end; n++) sum += n % 7
    await sleep(50, ctx.signal)
    return { start, end, units: end - start, checksum: sum }
  }
}

export default handlers
