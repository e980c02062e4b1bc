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

  it("never leaks SQL or driver text for internal and unavailable errors", () => {
    const e = classifyError(withCode("42P01"))
    expect(e.message).toBe("internal store error")
    expect(classifyError(withCode("ECONNREFUSED")).message).toBe("database unavailable")
    expect(classifyError("weird").reason).toBe("Internal")
    expect(classifyError(null).reason).toBe("Internal")
  })
})
