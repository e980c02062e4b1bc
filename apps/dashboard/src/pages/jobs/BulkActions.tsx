import { useState } from "react"
import { isBulkCount, type BulkAnswer, type BulkFilter } from "../../api/types.ts"
import { Confirm } from "../../ui/Confirm.tsx"
import { ErrorNote } from "../../ui/ErrorNote.tsx"
import { formatCount } from "../../ui/format.ts"
import { bulkFilterOf, useBulk, type JobFilter } from "./useJobs.ts"

type Action = "retry" | "cancel"
const VERB: Record<Action, string> = { retry: "Retry", cancel: "Cancel" }
const DONE: Record<Action, string> = { retry: "retried", cancel: "cancelled" }

const describe = (f: BulkFilter) =>
  Object.entries(f)
    .filter(([, v]) => v != null)
    .map(([k, v]) => `${k} = ${v}`)
    .join(", ")

/** What a bulk answer did, in words. */
const outcome = (action: Action, answer: BulkAnswer): string => {
  if (isBulkCount(answer)) return `${formatCount(answer.count)} jobs ${DONE[action]}.`
  const refused = answer.results.filter((r) => !r.ok)
  const done = answer.results.length - refused.length
  const first = refused[0]?.error?.message
  return `${done} of ${answer.results.length} jobs ${DONE[action]}.${refused.length ? ` ${refused.length} refused (${first}).` : ""}`
}

/** Bulk retry and cancel: of the selected jobs at once, or of everything the filter matches after a dry-run count. */
export const BulkActions = (props: { readonly filter: JobFilter; readonly selected: ReadonlyArray<number>; readonly onDone: () => void }) => {
  const bulk = useBulk()
  const [message, setMessage] = useState<string | null>(null)
  const [pending, setPending] = useState<{ action: Action; filter: BulkFilter; count: number } | null>(null)
  const target = bulkFilterOf(props.filter)

  const onSelection = (action: Action) =>
    bulk.mutate(
      { action, body: { ids: [...props.selected] } },
      {
        onSuccess: (answer) => {
          setMessage(outcome(action, answer))
          props.onDone()
        }
      }
    )
  const onFilter = (action: Action) => {
    if (!("filter" in target)) return
    bulk.mutate(
      { action, body: { filter: target.filter, dry_run: true } },
      { onSuccess: (answer) => isBulkCount(answer) && setPending({ action, filter: target.filter, count: answer.count }) }
    )
  }
  const confirm = () => {
    if (pending === null) return
    bulk.mutate(
      { action: pending.action, body: { filter: pending.filter } },
      {
        onSuccess: (answer) => {
          setMessage(outcome(pending.action, answer))
          props.onDone()
        },
        onSettled: () => setPending(null)
      }
    )
  }
  const n = props.selected.length
  return (
    <section className="bulk" aria-label="Bulk actions">
      <div className="actions">
        {(["retry", "cancel"] as const).map((a) => (
          <button key={a} type="button" disabled={n === 0 || bulk.isPending} onClick={() => onSelection(a)}>
            {VERB[a]} selected ({n})
          </button>
        ))}
        {(["retry", "cancel"] as const).map((a) => (
          <button key={`f-${a}`} type="button" disabled={!("filter" in target) || bulk.isPending} onClick={() => onFilter(a)} title={"reason" in target ? target.reason : undefined}>
            {VERB[a]} all matching…
          </button>
        ))}
      </div>
      {"reason" in target && <p className="muted">{target.reason}</p>}
      <p role="status" className="status">
        {message}
      </p>
      <ErrorNote error={bulk.error} />
      {pending && (
        <Confirm
          title={`${VERB[pending.action]} ${formatCount(pending.count)} jobs?`}
          confirmLabel={`${VERB[pending.action]} ${formatCount(pending.count)} jobs`}
          busy={bulk.isPending}
          onConfirm={confirm}
          onCancel={() => setPending(null)}
        >
          <p>
            {formatCount(pending.count)} jobs matching {describe(pending.filter)} can be {DONE[pending.action]} now. Jobs that change status before you confirm are
            counted as they are then.
          </p>
        </Confirm>
      )}
    </section>
  )
}
