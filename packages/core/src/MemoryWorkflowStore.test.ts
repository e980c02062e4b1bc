import { makeMemoryStores } from "./MemoryJobStore.ts"
import { workflowStoreConformance } from "./testing/index.ts"

workflowStoreConformance("memory", async () => {
  const { jobs, workflows } = makeMemoryStores()
  return { store: jobs, workflows, close: async () => {} }
}, { modelRuns: 60 })
