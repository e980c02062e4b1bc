import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { JobStore } from "./JobStore.ts"
import { layerMemoryWithWorkflows, makeMemoryStores } from "./MemoryJobStore.ts"
import { workflowStoreConformance } from "./testing/index.ts"
import { WorkflowStore } from "./WorkflowStore.ts"

workflowStoreConformance(
  "memory",
  async () => {
    const { jobs, workflows } = makeMemoryStores()
    return { store: jobs, workflows, close: async () => {} }
  },
  { modelRuns: 60 }
)

describe("layerMemoryWithWorkflows", () => {
  it("provides JobStore and WorkflowStore over one state", async () => {
    const program = Effect.gen(function* () {
      const workflows = yield* WorkflowStore
      const jobs = yield* JobStore
      const { workflow } = yield* workflows.workflowCreate({ jobs: [{ key: "a", type: "t" }, { key: "b", type: "t", dependsOn: ["a"] }] })
      const b = yield* jobs.jobGet({ id: workflow.jobs[1]!.job_id })
      return { workflow, b }
    })
    const { workflow, b } = await Effect.runPromise(Effect.provide(program, layerMemoryWithWorkflows()))
    expect(workflow.counts).toMatchObject({ pending: 1, blocked: 1 })
    expect(b).toMatchObject({ key: "b", status: "blocked", waiting_for: ["a"], workflow_id: workflow.id })
  })
})
