import { mulberry32 } from "../retryPolicy.ts"

/** The environment variable that replays a seeded test: set it to the seed a failed run printed. */
export const SEED_ENV = "LEASEHOLD_TEST_SEED"

/**
 * A seed for a test's randomness: `LEASEHOLD_TEST_SEED` when set (to replay a failure), else a fresh
 * one. Printed either way, so a red run names the seed that reproduces it.
 */
export const testSeed = (label: string, env: NodeJS.ProcessEnv = process.env): number => {
  const raw = env[SEED_ENV]
  const seed = raw !== undefined && raw !== "" ? Number(raw) : Math.floor(Math.random() * 2 ** 32)
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`${SEED_ENV} must be a non-negative integer (the seed a failed run printed), got "${raw}"`)
  console.log(`[seed] ${label}: ${seed} (replay with ${SEED_ENV}=${seed})`)
  return seed
}

/** A seeded random source in [0, 1) for `label`, its seed printed (see testSeed). */
export const seededRandom = (label: string, env: NodeJS.ProcessEnv = process.env): (() => number) => mulberry32(testSeed(label, env))
