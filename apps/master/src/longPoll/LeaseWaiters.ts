/** Why a wait ended: a notification, the due-time cap, its own timer, the caller's abort, or shutdown/close. */
export type WakeReason = "notified" | "due" | "timeout" | "aborted" | "closed"

/** One long-polling lease call waiting for its queues to be notified. */
export interface Waiter {
  /**
   * Resolves when a notification for one of its queues arrived since the last call (at once if one
   * already did), after `ms`, on abort, or on shutdown; says which.
   */
  readonly next: (ms: number, signal?: AbortSignal) => Promise<WakeReason>
  /** Ends the current wait within `ms` at the latest (a due time learned while already waiting). */
  readonly cap: (ms: number) => void
  readonly close: () => void
}

/** Long-poll waiters keyed by queue, woken by the master's single LISTEN connection. */
export interface LeaseWaiters {
  readonly register: (queues: ReadonlyArray<string>) => Waiter
  /** A job became leasable on `queue` (NOTIFY payload). */
  readonly notify: (queue: string) => void
  /** Wakes every waiter (after a LISTEN reconnect, or at shutdown). */
  readonly notifyAll: () => void
  /** From now on every wait returns at once (graceful shutdown: long-polls answer empty). */
  readonly shutdown: () => void
  readonly isShuttingDown: () => boolean
  readonly size: () => number
  /** How many long-polls on `queue` are inside a wait right now (not between two lease attempts; tests). */
  readonly waitingOn: (queue: string) => number
  /** How many waits ended for each reason since start (tells a wake from a re-poll; observability and tests). */
  readonly wakes: () => Readonly<Record<WakeReason, number>>
}

interface Entry {
  dirty: boolean
  wake: ((reason: WakeReason) => void) | undefined
  /** The running wait's timer and when it fires (performance.now() ms). */
  timer: ReturnType<typeof setTimeout> | undefined
  until: number
}

/** Builds the registry; waking is a map lookup, never a query. */
export const makeLeaseWaiters = (): LeaseWaiters => {
  const byQueue = new Map<string, Set<Entry>>()
  const wakes: Record<WakeReason, number> = { notified: 0, due: 0, timeout: 0, aborted: 0, closed: 0 }
  let closing = false
  let count = 0
  const ended = (reason: WakeReason): WakeReason => {
    wakes[reason]++
    return reason
  }
  const fire = (e: Entry) => {
    e.dirty = true
    const w = e.wake
    e.wake = undefined
    w?.(closing ? "closed" : "notified")
  }
  return {
    register: (queues) => {
      const entry: Entry = { dirty: false, wake: undefined, timer: undefined, until: 0 }
      count++
      for (const q of queues) {
        let set = byQueue.get(q)
        if (!set) byQueue.set(q, (set = new Set()))
        set.add(entry)
      }
      return {
        next: (ms, signal) => {
          const early: WakeReason | undefined = closing ? "closed" : signal?.aborted ? "aborted" : entry.dirty ? "notified" : ms <= 0 ? "timeout" : undefined
          if (early) {
            entry.dirty = false
            return Promise.resolve(ended(early))
          }
          return new Promise<WakeReason>((resolve) => {
            const done = (reason: WakeReason) => {
              clearTimeout(entry.timer)
              entry.timer = undefined
              signal?.removeEventListener("abort", onAbort)
              entry.wake = undefined
              entry.dirty = false
              resolve(ended(reason))
            }
            const onAbort = () => done("aborted")
            entry.timer = setTimeout(() => done("timeout"), ms)
            entry.until = performance.now() + ms
            signal?.addEventListener("abort", onAbort, { once: true })
            entry.wake = done
          })
        },
        cap: (ms) => {
          const wake = entry.wake
          if (!wake || performance.now() + ms >= entry.until) return
          clearTimeout(entry.timer)
          entry.timer = setTimeout(() => wake("due"), Math.max(0, ms))
          entry.until = performance.now() + ms
        },
        close: () => {
          count--
          for (const q of queues) {
            const set = byQueue.get(q)
            set?.delete(entry)
            if (set?.size === 0) byQueue.delete(q)
          }
          entry.wake?.("closed")
        }
      }
    },
    notify: (queue) => {
      const set = byQueue.get(queue)
      if (set) for (const e of set) fire(e)
    },
    notifyAll: () => {
      for (const set of byQueue.values()) for (const e of set) fire(e)
    },
    shutdown: () => {
      closing = true
      for (const set of byQueue.values()) for (const e of set) fire(e)
    },
    isShuttingDown: () => closing,
    size: () => count,
    waitingOn: (queue) => {
      let n = 0
      for (const e of byQueue.get(queue) ?? []) if (e.wake) n++
      return n
    },
    wakes: () => ({ ...wakes })
  }
}
