import { describe } from "vitest"
import { workflowModelSuite } from "./conformance/workflowModelSuite.ts"
import { workflowSuite } from "./conformance/workflowSuite.ts"
import type { MakeWorkflowStores } from "./conformance/workflowSupport.ts"

export type { WorkflowConformanceHarness } from "./conformance/workflowSupport.ts"

/**
 * The suite every pair of `JobStoreShape` and `WorkflowStoreShape` over one database must pass: the
 * workflow rules of SPEC.md, and random graphs driven through both ports with the lifecycle machine as
 * the judge of every status change (`modelRuns` graphs, default 12: a fast store affords more). Tests use
 * their own queues and pass `now` on every call.
 */
export const workflowStoreConformance = (name: string, make: MakeWorkflowStores, options: { readonly modelRuns?: number } = {}): void =>
  void describe(`WorkflowStore conformance: ${name}`, () => {
    workflowSuite(make)
    workflowModelSuite(make, options.modelRuns)
  })
