import { describe, expect, it } from "vitest"
import { storeError, type StoreErrorReason } from "@leasehold/core"
import { toErrorResponse } from "./errorResponse.ts"
import { HttpError } from "./HttpError.ts"
import { makeLogger } from "./Logger.ts"

const expected: Record<StoreErrorReason, [number, string]> = {
  NotFound: [404, "not_found"],
  LeaseLost: [409, "lease_lost"],
  InvalidTransition: [409, "invalid_transition"],
  Conflict: [409, "conflict"],
  Validation: [400, "validation_error"],
  PayloadTooLarge: [413, "payload_too_large"],
  Unavailable: [503, "unavailable"],
  Internal: [500, "internal"]
}

describe("the single error mapping", () => {
  it.each(Object.entries(expected))("StoreError %s -> %j", async (reason, [status, code]) => {
    const lines: Array<string> = []
    const res = toErrorResponse(storeError(reason as StoreErrorReason, "select * from jobs where secret", undefined, new Error("at pg stack")), makeLogger("info", (l) => void lines.push(l)))
    const body = (await res.json()) as any
    expect([res.status, body.error.code]).toEqual([status, code])
    if (status >= 500) expect(JSON.stringify(body)).not.toMatch(/select|secret|stack/)
  })
  it("maps HTTP-layer errors and hides anything unexpected", async () => {
    const bad = toErrorResponse(new HttpError("forbidden", "no"), makeLogger("error", () => {}))
    expect([bad.status, ((await bad.json()) as any).error.code]).toEqual([403, "forbidden"])
    const boom = toErrorResponse(new TypeError("x is undefined at /src/secret.ts:1"), makeLogger("error", () => {}))
    const body = await boom.json()
    expect([boom.status, body]).toEqual([500, { error: { code: "internal", message: "internal error" } }])
  })
})
