import { describe } from "vitest"
import { adminSuite } from "./conformance/adminSuite.ts"
import { bulkSuite } from "./conformance/bulkSuite.ts"
import { countsSuite } from "./conformance/countsSuite.ts"
import { enqueueSuite } from "./conformance/enqueueSuite.ts"
import { keySuite } from "./conformance/keySuite.ts"
import { leaseAcksSuite } from "./conformance/leaseAcksSuite.ts"
import { leaseSuite } from "./conformance/leaseSuite.ts"
import { modelSuite } from "./conformance/modelSuite.ts"
import { outcomeSuite } from "./conformance/outcomeSuite.ts"
import { readSuite } from "./conformance/readSuite.ts"
import { scanSuite } from "./conformance/scanSuite.ts"
import type { ConformanceHarness } from "./conformance/support.ts"

export type { ConformanceHarness } from "./conformance/support.ts"

/**
 * The one suite every `JobStoreShape` must pass (River's riverdrivertest, for us).
 * `makeStore` is called once per describe block; every test uses its own queues, scans and
 * workers, so a store shared across blocks (or never emptied) is fine, as long as nothing else
 * writes to it while the suite runs (rescue, prune and stats are global). Tests move time with `now`.
 * The store should use the default retry policy (base 1 s, cap 1 h) and server max batch size (1,000,000).
 */
export const jobStoreConformance = (name: string, makeStore: () => Promise<ConformanceHarness>): void =>
  void describe(`JobStore conformance: ${name}`, () => {
    enqueueSuite(makeStore)
    leaseSuite(makeStore)
    outcomeSuite(makeStore)
    leaseAcksSuite(makeStore)
    adminSuite(makeStore)
    bulkSuite(makeStore)
    readSuite(makeStore)
    countsSuite(makeStore)
    scanSuite(makeStore)
    keySuite(makeStore)
    modelSuite(makeStore)
  })
