import { jobStoreConformance } from "@leasehold/core/testing"
import { setupStore } from "./testing/index.ts"

jobStoreConformance("postgres", async () => {
  const t = await setupStore({ max: 4 })
  return { store: t.store, close: t.close }
})
