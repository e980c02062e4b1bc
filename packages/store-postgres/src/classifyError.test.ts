import { describe, expect, it } from "vitest"
import { classifyError } from "./classifyError.ts"

const withCode = (code: string) => Object.assign(new Error(`boom ${code}`), { code })

describe("classifyError", () => {
  it.each([
    ["40001", "Internal"],
    ["40P01", "Internal"],
    ["23505", "Conflict"],
    ["08006", "Unavailable"],
    ["08001", "Unavailable"],
    ["57P01", "Unavailable"],
    ["57P02", "Unavailable"],
    ["57P03", "Unavailable"],
    ["ECONNREFUSED", "Unavailable"],
    ["ECONNRESET", "Unavailable"],
    ["CONNECTION_CLOSED", "Unavailable"],
    ["CONNECTION_ENDED", "Unavailable"],
    ["CONNECTION_DESTROYED", "Unavailable"],
    ["22023", "Validation"],
    ["22P02", "Validation"],
    ["23514", "Validation"],
    ["23503", "Internal"],
    ["42P01", "Internal"]
  ])("maps %s to %s", (code, reason) => {
    expect(classifyError(withCode(code)).reason).toBe(reason)
  })

  it("flags serialization failures and deadlocks as retryable", () => {
    expect(classifyError(withCode("40001")).details).toEqual({ sqlstate: "40001", retryable: true })
    expect(classifyError(withCode("40P01")).details).toEqual({ sqlstate: "40P01", retryable: true })
  })

  it.each(["22021", "22P05", "22P02", "22008", "22023", "22003", "23514", "23505", "22999"])("answers %s in its own words, never the driver's", (code) => {
    const driver = Object.assign(new Error(`invalid byte sequence for encoding "UTF8": 0x00 at jobs_type_check ${code}`), { code })
    const e = classifyError(driver)
    expect(e.message).not.toMatch(/byte sequence|jobs_type_check|0x00|\d{2}[0-9A-Z]\d{2}/)
    expect(e.message.length).toBeGreaterThan(5)
  })
  it("keeps the lease statement's own requested_batch_size wording", () => {
    const raised = Object.assign(new Error("requested_batch_size 5000 is outside 1..1000"), { code: "22023" })
    expect(classifyError(raised).message).toBe("requested_batch_size 5000 is outside 1..1000")
  })

  it("never leaks SQL or driver text for internal and unavailable errors", () => {
    const e = classifyError(withCode("42P01"))
    expect(e.message).toBe("internal store error")
    expect(classifyError(withCode("ECONNREFUSED")).message).toBe("database unavailable")
    expect(classifyError("weird").reason).toBe("Internal")
    expect(classifyError(null).reason).toBe("Internal")
  })
})
