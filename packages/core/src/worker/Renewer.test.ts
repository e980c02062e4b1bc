import { describe, expect, it } from "vitest"
import { renewDelayMs } from "./Renewer.ts"

describe("renewDelayMs", () => {
  const serverNow = "2026-01-01T00:00:00.000Z"
  const leaseExpiresAt = "2026-01-01T00:01:40.000Z"

  it("follows the master's renew_after hint, measured against the master's own clock", () => {
    expect(renewDelayMs({ serverNow, leaseExpiresAt, renewAfter: "2026-01-01T00:00:50.000Z" })).toEqual({
      delayMs: 50_000,
      fraction: 0.5,
      durationMs: 100_000
    })
  })

  it("a configured renew-at fraction wins over the hint; no hint means half-way", () => {
    expect(renewDelayMs({ serverNow, leaseExpiresAt, renewAfter: "2026-01-01T00:00:50.000Z", renewAt: 0.25 }).delayMs).toBe(25_000)
    expect(renewDelayMs({ serverNow, leaseExpiresAt }).delayMs).toBe(50_000)
    expect(renewDelayMs({ serverNow, leaseExpiresAt, renewAfter: "garbage" }).fraction).toBe(0.5)
  })
})
