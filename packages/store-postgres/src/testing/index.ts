export { insertJobs, type InsertJobsOptions } from "./insertJobs.ts"
export { setupStore, type TestStore } from "./setupStore.ts"
export { createTestDatabase } from "@leasehold/tooling"
export { openClients, type Clients } from "./clients.ts"
