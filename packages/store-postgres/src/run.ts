import { Effect } from "effect"
import type { StoreError } from "@leasehold/core"
import { classifyError, errorCode, isRetryableCode } from "./classifyError.ts"

/** Statements are repeated this often on a deadlock / serialization failure (the database rolled them back). */
const RETRIES_ON_CONFLICT = 3

/** Runs one database round trip as an Effect, retrying rolled-back statements and classifying failures. */
export const run = <A>(f: () => PromiseLike<A>): Effect.Effect<A, StoreError> =>
  Effect.tryPromise({
    try: async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await f()
        } catch (cause) {
          if (attempt >= RETRIES_ON_CONFLICT || !isRetryableCode(errorCode(cause))) throw cause
        }
      }
    },
    catch: classifyError
  })
