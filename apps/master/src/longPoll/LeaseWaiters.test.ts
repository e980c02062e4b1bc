import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { makeLeaseWaiters, type WakeReason } from "./LeaseWaiters.ts"

/**
 * Fake timers: a wait's own timer never fires unless a test advances the clock, so a wait that ends
 * ended through the mechanism under test, and `settled` tells which waits have ended so far.
 */
beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

/** Tracks a wait: `reason` is set once it ends. */
const track = (p: Promise<WakeReason>) => {
  const t: { reason: WakeReason | undefined } = { reason: undefined }
  void p.then((r) => (t.reason = r))
  return t
}
/** Lets every already-settled promise run its callbacks, without moving the fake clock. */
const flush = () => vi.advanceTimersByTimeAsync(0)

describe("LeaseWaiters", () => {
  it("wakes only the waiters of the notified queue", async () => {
    const w = makeLeaseWaiters()
    const a = w.register(["a"])
    const b = w.register(["b"])
    const pa = track(a.next(60_000))
    const pb = track(b.next(60_000))
    await flush()
    expect([pa.reason, pb.reason]).toEqual([undefined, undefined])
    expect([w.waitingOn("a"), w.waitingOn("b"), w.waitingOn("c")]).toEqual([1, 1, 0])
    w.notify("a")
    await flush()
    expect([pa.reason, pb.reason]).toEqual(["notified", undefined])
    expect([w.waitingOn("a"), w.waitingOn("b")]).toEqual([0, 1])
    expect(w.wakes()).toMatchObject({ notified: 1, timeout: 0 })
    b.close()
    await flush()
    expect(pb.reason).toBe("closed")
    a.close()
    expect(w.size()).toBe(0)
    expect(w.waitingOn("a") + w.waitingOn("b")).toBe(0)
  })

  it("remembers a notification that arrived before the wait, once", async () => {
    const w = makeLeaseWaiters()
    const a = w.register(["a"])
    w.notify("a")
    const first = track(a.next(60_000))
    await flush()
    expect(first.reason).toBe("notified")
    const second = track(a.next(60_000))
    await flush()
    expect(second.reason).toBeUndefined()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(second.reason).toBe("timeout")
    a.close()
  })

  it("returns at once on abort and on shutdown, and every later wait too", async () => {
    const w = makeLeaseWaiters()
    const a = w.register(["a"])
    const ctl = new AbortController()
    const aborted = track(a.next(60_000, ctl.signal))
    await flush()
    expect(aborted.reason).toBeUndefined()
    ctl.abort()
    await flush()
    expect(aborted.reason).toBe("aborted")
    const q = track(a.next(60_000))
    await flush()
    expect(q.reason).toBeUndefined()
    expect(w.isShuttingDown()).toBe(false)
    w.shutdown()
    await flush()
    expect(q.reason).toBe("closed")
    expect(w.isShuttingDown()).toBe(true)
    const later = track(a.next(60_000))
    await flush()
    expect(later.reason).toBe("closed")
    expect(w.wakes()).toEqual({ notified: 0, due: 0, timeout: 0, aborted: 1, closed: 2 })
    a.close()
  })

  it("a cap shortens a running wait, never lengthens it, and is a no-op between waits", async () => {
    const w = makeLeaseWaiters()
    const a = w.register(["a"])
    a.cap(0)
    const p = track(a.next(60_000))
    await flush()
    expect(p.reason).toBeUndefined()
    a.cap(60_000_000)
    await vi.advanceTimersByTimeAsync(999)
    expect(p.reason).toBeUndefined()
    a.cap(1000)
    await vi.advanceTimersByTimeAsync(999)
    expect(p.reason).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(p.reason).toBe("due")
    a.close()
    expect(w.size()).toBe(0)
  })

  it("a longer cap after a shorter one does not move the wake later", async () => {
    const w = makeLeaseWaiters()
    const a = w.register(["a"])
    const p = track(a.next(60_000))
    a.cap(100)
    a.cap(5000)
    await vi.advanceTimersByTimeAsync(100)
    expect(p.reason).toBe("due")
    a.close()
  })
})
