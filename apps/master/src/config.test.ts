import { describe, expect, it } from "vitest"
import { ConfigError, parseConfig, usage } from "./config.ts"

describe("parseConfig", () => {
  it("applies documented defaults", () => {
    const c = parseConfig([], {})
    expect(c).toMatchObject({ port: 8080, leaseSeconds: 3600, minLeaseSeconds: 1, maxLeaseSeconds: 86_400, maxBatchSize: 1_000_000, sweepIntervalMs: 5000, retentionMs: 7 * 86_400_000, logLevel: "info", dataDir: "./.leasehold/pg" })
    expect(c.databaseUrl).toBeUndefined()
    expect(c.adminTokens).toEqual([])
  })
  it("reads flags over environment, both flag forms, and ignores a bare --", () => {
    const c = parseConfig(["--", "--port", "9090", "--database-url=postgres://x/y", "--retention", "12h", "--worker-token", "a, b"], {
      LEASEHOLD_PORT: "7000",
      LEASEHOLD_LEASE_SECONDS: "60",
      DATABASE_URL: "postgres://env/db",
      LEASEHOLD_LOG_LEVEL: "debug"
    })
    expect(c).toMatchObject({ port: 9090, databaseUrl: "postgres://x/y", leaseSeconds: 60, retentionMs: 12 * 3_600_000, logLevel: "debug" })
    expect(c.workerTokens).toEqual(["a", "b"])
  })
  it("rejects unknown flags, bad numbers, out-of-range values and inconsistent bounds", () => {
    expect(() => parseConfig(["--nope"], {})).toThrow(ConfigError)
    expect(() => parseConfig(["--port", "abc"], {})).toThrow(/--port/)
    expect(() => parseConfig(["--port"], {})).toThrow(/needs a value/)
    expect(() => parseConfig([], { LEASEHOLD_LEASE_SECONDS: "0" })).toThrow(/LEASEHOLD_LEASE_SECONDS/)
    expect(() => parseConfig(["--lease-seconds", "100", "--max-lease-seconds", "50"], {})).toThrow(/lease-seconds/)
    expect(() => parseConfig(["--retention", "soon"], {})).toThrow(/duration/)
    expect(() => parseConfig(["--log-level", "loud"], {})).toThrow(/debug/)
  })
  it("documents every flag with its variable and default", () => {
    const text = usage()
    for (const flag of ["--port", "--host", "--database-url", "--lease-seconds", "--max-batch-size", "--sweep-interval-ms", "--retention", "--admin-token", "--log-level"])
      expect(text).toContain(flag)
    expect(text).toContain("LEASEHOLD_DATABASE_URL")
  })
})
