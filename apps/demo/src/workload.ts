import { API_BASE, Routes } from "@leasehold/contracts"

/** What the demo enqueued, to follow it in the progress lines. */
export interface Workload {
  readonly emails: ReadonlyArray<number>
  readonly delayed: number
  readonly flaky: number
  readonly poison: number
  readonly scan: string
  readonly scanQueue: string
  /** The word-count workflow: a split that adds the maps and the reduce at run time. */
  readonly workflow: number
}

/** Sizes of the demo workload. */
export const DEMO = { emails: 300, scanEnd: 20_000_000, scanBatch: 20_000, delayMs: 8_000, maps: 12 } as const

/** The text the word-count workflow counts: the split cuts it into `DEMO.maps` parts, one map each. */
export const DEMO_TEXT = Array.from(
  { length: 60 },
  (_, i) => `leases expire and jobs return; workers lease jobs, ${["complete", "fail", "retry"][i % 3]} them, and the master keeps the order`
).join("\n")

/** POSTs JSON to the master and returns the decoded answer (throws with the error envelope on 4xx/5xx). */
export const post = async (master: string, path: string, body: unknown): Promise<any> => {
  const res = await fetch(`${master}${API_BASE}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body)
  })
  const json = await res.json()
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

/** GETs JSON from the master. */
export const get = async (master: string, path: string): Promise<any> => {
  const res = await fetch(`${master}${API_BASE}${path}`)
  const json = await res.json()
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

/**
 * Enqueues the demo: ordinary jobs (bulk), a delayed job, a job that fails twice then succeeds,
 * a poison job that ends failed, a scan over a large range carved in dynamic batches, and a workflow
 * with dynamic fan-out (a split that adds N maps and a reduce depending on them).
 * Names carry a run id, since the embedded database keeps earlier runs.
 */
export const enqueueWorkload = async (master: string, runId: string): Promise<Workload> => {
  const batch = await post(master, Routes.jobsBatch, {
    jobs: Array.from({ length: DEMO.emails }, (_, i) => ({
      type: "email.send",
      payload: { to: `user${i}@example.com` },
      priority: i < 10 ? 10 : 0
    }))
  })
  const delayed = await post(master, Routes.jobs, {
    type: "report.generate",
    payload: { name: "daily" },
    delay_ms: DEMO.delayMs
  })
  const flaky = await post(master, Routes.jobs, {
    type: "payment.charge",
    payload: { cents: 4200 },
    max_attempts: 5,
    idempotency_key: `charge-${runId}`
  })
  const poison = await post(master, Routes.jobs, {
    type: "image.resize",
    payload: { url: "https://example.com/corrupt.png" },
    max_attempts: 3
  })
  const scan = `demo-${runId}`
  await post(master, Routes.scans, {
    name: scan,
    type: "numbers.sum",
    queue: "scans",
    start: 0,
    end: DEMO.scanEnd,
    default_batch_size: DEMO.scanBatch
  })
  const workflow = await post(master, Routes.workflows, {
    name: `word count ${runId}`,
    jobs: [{ key: "split", type: "wordcount.split", payload: { text: DEMO_TEXT, parts: DEMO.maps } }]
  })
  return {
    emails: batch.jobs.map((j: { id: number }) => j.id),
    delayed: delayed.job.id,
    flaky: flaky.job.id,
    poison: poison.job.id,
    scan,
    scanQueue: "scans",
    workflow: workflow.workflow.id
  }
}
