import fc from "fast-check"

/** Which token a step presents: the job's latest, an older one, or one that never held it. */
export type TokenChoice = "current" | "stale" | "bogus"
/** Whether an outcome goes through the single-job call or the batched one. */
export type Via = "single" | "batch"

/** One generated action against a job (by index), all jobs, or the clock. */
export type ModelStep =
  | { readonly kind: "enqueue"; readonly maxAttempts: number }
  | { readonly kind: "lease"; readonly job: number; readonly leaseSeconds: number }
  | { readonly kind: "leaseAll"; readonly leaseSeconds: number }
  | { readonly kind: "complete"; readonly job: number; readonly token: TokenChoice; readonly via: Via }
  | {
      readonly kind: "fail"
      readonly job: number
      readonly token: TokenChoice
      readonly via: Via
      readonly retryable: boolean
      readonly retryInMs: number
    }
  | { readonly kind: "release"; readonly job: number; readonly token: TokenChoice }
  | { readonly kind: "renew"; readonly job: number; readonly token: TokenChoice; readonly via: Via; readonly leaseSeconds: number }
  | { readonly kind: "cancel"; readonly job: number }
  | { readonly kind: "retry"; readonly job: number }
  | { readonly kind: "advance"; readonly ms: number }
  | { readonly kind: "rescue" }

const job = fc.nat({ max: 7 })
const token = fc.constantFrom<TokenChoice>("current", "current", "current", "stale", "bogus")
const via = fc.constantFrom<Via>("single", "batch")
const leaseSeconds = fc.integer({ min: 1, max: 20 })
const kind = <K extends ModelStep["kind"]>(k: K) => fc.constant(k)

/** Random event sequences over a few jobs, weighted towards the lease cycle. */
export const modelSteps: fc.Arbitrary<Array<ModelStep>> = fc.array(
  fc.oneof(
    { weight: 1, arbitrary: fc.record({ kind: kind("enqueue"), maxAttempts: fc.integer({ min: 1, max: 3 }) }) },
    { weight: 4, arbitrary: fc.record({ kind: kind("lease"), job, leaseSeconds }) },
    { weight: 2, arbitrary: fc.record({ kind: kind("leaseAll"), leaseSeconds }) },
    { weight: 3, arbitrary: fc.record({ kind: kind("complete"), job, token, via }) },
    {
      weight: 3,
      arbitrary: fc.record({ kind: kind("fail"), job, token, via, retryable: fc.boolean(), retryInMs: fc.integer({ min: 0, max: 15_000 }) })
    },
    { weight: 2, arbitrary: fc.record({ kind: kind("release"), job, token }) },
    { weight: 2, arbitrary: fc.record({ kind: kind("renew"), job, token, via, leaseSeconds }) },
    { weight: 2, arbitrary: fc.record({ kind: kind("cancel"), job }) },
    { weight: 2, arbitrary: fc.record({ kind: kind("retry"), job }) },
    { weight: 3, arbitrary: fc.record({ kind: kind("advance"), ms: fc.integer({ min: 0, max: 25_000 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: kind("rescue") }) }
  ),
  { minLength: 5, maxLength: 40, size: "max" }
)
