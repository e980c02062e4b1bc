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
  },

  /**
   * Dynamic fan-out: the split cuts the text into parts and adds, under its own lease, one map per part
   * and a reduce that depends on every map. Keys make it idempotent: a retried split adds nothing twice.
   */
  "wordcount.split": async (job, ctx) => {
    const { text, parts } = job.payload as { text: string; parts: number }
    const lines = text.split("\n")
    const size = Math.ceil(lines.length / parts)
    const maps = Array.from({ length: parts }, (_, i) => ({
      key: `map-${i}`,
      type: "wordcount.map",
      payload: { text: lines.slice(i * size, (i + 1) * size).join("\n") }
    }))
    const added = await ctx.workflow!.add([...maps, { key: "reduce", type: "wordcount.reduce", depends_on: maps.map((m) => m.key) }])
    return { maps: maps.length, added: added.filter((a) => !a.duplicate).length }
  },

  /** One map: counts the words of its part. */
  "wordcount.map": async (job, ctx) => {
    const counts: Record<string, number> = {}
    for (const word of (job.payload as { text: string }).text.toLowerCase().match(/[a-z]+/g) ?? []) counts[word] = (counts[word] ?? 0) + 1
    await sleep(30, ctx.signal)
    return counts
  },

  /** The reduce: reads every map's result through ctx.workflow.dependencies and adds them up. */
  "wordcount.reduce": async (_job, ctx) => {
    const totals: Record<string, number> = {}
    const maps = Object.values(ctx.workflow!.dependencies)
    for (const dep of maps) for (const [word, n] of Object.entries(dep.result as Record<string, number>)) totals[word] = (totals[word] ?? 0) + n
    const top = Object.entries(totals).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).slice(0, 3)
    return { maps: maps.length, words: Object.values(totals).reduce((a, b) => a + b, 0), distinct: Object.keys(totals).length, top }
  }
}

export default handlers
