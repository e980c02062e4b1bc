import { jobStoreConformance } from "./testing/index.ts"
import { makeMemoryJobStore } from "./MemoryJobStore.ts"

jobStoreConformance("memory", async () => ({ store: makeMemoryJobStore(), close: async () => {} }))
