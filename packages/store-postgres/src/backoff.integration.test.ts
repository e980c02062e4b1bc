import { BACKOFF_UNDER_TEST, backoffDistributionSuite } from "@leasehold/core/testing"
import { setupStore } from "./testing/index.ts"

/** PostgreSQL's random() draws the jitter here (unseeded); the suite's bounds hold with odds above 1 - 1e-9. */
backoffDistributionSuite("postgres, retryBaseMs/retryCapMs set", async () => {
  const t = await setupStore({ max: 2, retryBaseMs: BACKOFF_UNDER_TEST.baseMs, retryCapMs: BACKOFF_UNDER_TEST.capMs })
  return { store: t.store, close: t.close }
})
