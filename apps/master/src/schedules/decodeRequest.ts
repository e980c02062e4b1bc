import { Cause, Exit, Schema } from "effect"
import { storeError } from "@leasehold/core"

/**
 * Decodes a request part against a contracts schema. Unknown fields are ignored, as on every route
 * (SPEC "Ids and numbers"); known fields of the wrong type are a Validation error.
 */
export const decodeRequest = <S extends Schema.Codec<unknown, unknown, never, never>>(schema: S, input: unknown): S["Type"] => {
  const exit = Schema.decodeUnknownExit(schema)(input, { onExcessProperty: "ignore" })
  if (Exit.isSuccess(exit)) return exit.value
  const error = Cause.squash(exit.cause)
  const message = error instanceof Error ? error.message.replace(/\s*\n\s*/g, " ") : "invalid request"
  throw storeError("Validation", message)
}
