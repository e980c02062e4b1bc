import { chmodSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
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
  it("reads tokens from files (trimmed, comma- or newline-separated), added to the flags' tokens", () => {
    const dir = mkdtempSync(join(tmpdir(), "lh-tokens-"))
    const admin = join(dir, "admin")
    writeFileSync(admin, "  first-token\nsecond-token, third-token\n\n")
    const worker = join(dir, "worker")
    writeFileSync(worker, "w-file\n")
    const c = parseConfig(["--admin-token-file", admin, "--admin-token", "flag-token"], { LEASEHOLD_WORKER_TOKEN_FILE: worker })
    expect(c.adminTokens).toEqual(["flag-token", "first-token", "second-token", "third-token"])
    expect(c.workerTokens).toEqual(["w-file"])
    expect(c.producerTokens).toEqual([])
  })
  it("names the token file and the cause when it cannot be read or is empty", () => {
    const dir = mkdtempSync(join(tmpdir(), "lh-tokens-"))
    const missing = join(dir, "missing")
    expect(() => parseConfig(["--producer-token-file", missing], {})).toThrow(new ConfigError(`--producer-token-file ${missing}: cannot read the token file (no such file)`))
    const empty = join(dir, "empty")
    writeFileSync(empty, " \n ,\n")
    expect(() => parseConfig([], { LEASEHOLD_ADMIN_TOKEN_FILE: empty })).toThrow(/--admin-token-file .*empty: the token file holds no token/)
    if (process.getuid?.() !== 0) {
      const locked = join(dir, "locked")
      writeFileSync(locked, "t")
      chmodSync(locked, 0o000)
      expect(() => parseConfig(["--admin-token-file", locked], {})).toThrow(/locked: cannot read the token file \(permission denied\)/)
    }
  })
  it("reads CORS origins and refuses anything that is not an origin", () => {
    expect(parseConfig(["--cors-origin", "https://ops.example.com, http://localhost:3000"], {}).corsOrigins).toEqual(["https://ops.example.com", "http://localhost:3000"])
    expect(parseConfig([], { LEASEHOLD_CORS_ORIGIN: "http://127.0.0.1:5173" }).corsOrigins).toEqual(["http://127.0.0.1:5173"])
    expect(parseConfig([], {}).corsOrigins).toEqual([])
    for (const bad of ["*", "ops.example.com", "https://ops.example.com/path", "ftp://x.example"])
      expect(() => parseConfig(["--cors-origin", bad], {})).toThrow(/--cors-origin: expected origins/)
  })
})
