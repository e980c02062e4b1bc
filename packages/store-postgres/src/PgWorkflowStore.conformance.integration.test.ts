import { workflowStoreConformance } from "@leasehold/core/testing"
import { setupStore } from "./testing/index.ts"

workflowStoreConformance("postgres", async () => {
  const t = await setupStore({ max: 4 })
  return { store: t.store, workflows: t.workflows, close: t.close }
})
