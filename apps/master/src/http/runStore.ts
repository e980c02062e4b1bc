import { Cause, Effect, Exit, Option } from "effect"
import { StoreError } from "@leasehold/core"

/** Runs a store effect, resolving its value or throwing its typed StoreError (defects become Internal). */
export const runStore = async <A>(effect: Effect.Effect<A, StoreError>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  const failure = Cause.findErrorOption(exit.cause)
  if (Option.isSome(failure)) throw failure.value
  throw new StoreError({ reason: "Internal", message: "store defect", cause: Cause.squash(exit.cause) })
}
