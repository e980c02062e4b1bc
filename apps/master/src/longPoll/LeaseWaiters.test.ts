import { describe, expect, it } from "vitest"
import { makeLeaseWaiters } from "./LeaseWaiters.ts"

describe("LeaseWaiters", () => {
  it("wakes only the waiters of the notified queue", async () => {
    const w = makeLeaseWaiters()
    const a = w.register(["a"])
    const b = w.register(["b"])
    let aWoke = false
    let bWoke = false
    const pa = a.next(60_000).then(() => (aWoke = true))
    const pb = b.next(60_000).then(() => (bWoke = true))
    w.notify("a")
    await pa
    expect(aWoke).toBe(true)
    expect(bWoke).toBe(false)
    b.close()
    a.close()
    await pb
    expect(w.size()).toBe(0)
  })
  it("remembers a notification that arrived before the wait", async () => {
    const w = makeLeaseWaiters()
    const a = w.register(["a"])
    w.notify("a")
    await a.next(60_000)
    a.close()
  })
  it("returns at once on abort and on shutdown", async () => {
    const w = makeLeaseWaiters()
    const a = w.register(["a"])
    const ctl = new AbortController()
    const p = a.next(60_000, ctl.signal)
    ctl.abort()
    await p
    const q = a.next(60_000)
    w.shutdown()
    await q
    await a.next(60_000)
    expect(w.isShuttingDown()).toBe(true)
    a.close()
  })
  it("a cap shortens a running wait, never lengthens it, and is a no-op between waits", async () => {
    const w = makeLeaseWaiters()
    const a = w.register(["a"])
    a.cap(0)
    const p = a.next(60_000)
    a.cap(60_000_000)
    a.cap(1)
    await p
    a.close()
    expect(w.size()).toBe(0)
  })
})
