import type { Handlers } from "@leasehold/core"

/** Benchmark handlers: `noop` does nothing; with `payload.t` it prints its enqueue-to-start latency for the bench to read. */
const handlers: Handlers = {
  noop: async (job) => {
    const t = (job.payload as { t?: number } | null)?.t
    if (t !== undefined) process.stdout.write(`LAT ${performance.timeOrigin + performance.now() - t}\n`)
    return null
  }
}

export default handlers
