import { useState, type FormEvent } from "react"
import type { QueueInfo, QueueLimits } from "../../api/types.ts"

const toInt = (s: string): number | null => (s.trim() === "" ? null : Number(s))

/** Edits one queue's limits; an empty field clears that limit. */
export const LimitsForm = (props: { readonly queue: QueueInfo; readonly busy: boolean; readonly onSave: (limits: QueueLimits) => void; readonly onClose: () => void }) => {
  const q = props.queue
  const [max, setMax] = useState(q.max_concurrency?.toString() ?? "")
  const [key, setKey] = useState(q.key_concurrency?.toString() ?? "")
  const [rate, setRate] = useState(q.rate_limit?.limit.toString() ?? "")
  const [period, setPeriod] = useState(q.rate_limit?.period_ms.toString() ?? "1000")
  const save = (e: FormEvent) => {
    e.preventDefault()
    const limit = toInt(rate)
    props.onSave({
      max_concurrency: toInt(max),
      key_concurrency: toInt(key),
      rate_limit: limit === null ? null : { limit, period_ms: toInt(period) ?? 1000 }
    })
  }
  return (
    <form className="limits" onSubmit={save} aria-label={`Limits of ${q.name}`}>
      <label>
        Max concurrency <input type="number" min={1} max={100000} value={max} onChange={(e) => setMax(e.target.value)} placeholder="none" />
      </label>
      <label>
        Per-key concurrency <input type="number" min={1} max={100000} value={key} onChange={(e) => setKey(e.target.value)} placeholder="none" />
      </label>
      <label>
        Rate limit (leases) <input type="number" min={1} max={1000000} value={rate} onChange={(e) => setRate(e.target.value)} placeholder="none" />
      </label>
      <label>
        per ms <input type="number" min={1} max={86400000} value={period} onChange={(e) => setPeriod(e.target.value)} />
      </label>
      <button type="submit" disabled={props.busy}>
        Save limits
      </button>
      <button type="button" onClick={props.onClose}>
        Close
      </button>
    </form>
  )
}
