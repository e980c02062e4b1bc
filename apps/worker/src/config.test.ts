import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { WorkerConfigError, parseWorkerConfig } from "./config.ts"

describe("parseWorkerConfig", () => {
  it("reads flags over environment over defaults, and ignores a bare --", () => {
    const config = parseWorkerConfig(
      ["--", "--master", "http://m:1", "--handlers=./h.js", "--concurrency", "3", "--renew-at", "0.25", "--shutdown-timeout", "1.5"],
      { LEASEHOLD_CONCURRENCY: "9", LEASEHOLD_QUEUES: "a,b", LEASEHOLD_TOKEN: "secret", LEASEHOLD_WORKER_LEASE_SECONDS: "30" }
    )
    expect(config).toMatchObject({
      master: "http://m:1",
      handlers: "./h.js",
      concurrency: 3,
      queues: ["a", "b"],
      token: "secret",
      leaseSeconds: 30,
      renewAt: 0.25,
      shutdownTimeoutMs: 1500,
      waitMs: 10_000
    })
    expect(config.workerId).toMatch(/^.+-\d+-\d+$/)
  })

  it("defaults: 8 slots on the default queue, 30 s shutdown timeout", () => {
    const config = parseWorkerConfig(["--handlers", "h.ts"], {})
    expect(config).toMatchObject({ concurrency: 8, queues: ["default"], shutdownTimeoutMs: 30_000, master: "http://127.0.0.1:8080" })
  })

  it("names the flag or variable of a bad value", () => {
    const bad: Array<[Array<string>, Record<string, string>, RegExp]> = [
      [["--handlers", "h", "--concurrency", "0"], {}, /--concurrency/],
      [["--handlers", "h", "--renew-at", "1.5"], {}, /--renew-at/],
      [["--handlers", "h"], { LEASEHOLD_QUEUES: "Bad Queue" }, /LEASEHOLD_QUEUES/],
      [["--handlers", "h", "--master", "ftp://x"], {}, /--master/],
      [["--handlers", "h", "--nope", "1"], {}, /unknown argument/],
      [["--concurrency", "2"], {}, /--handlers/],
      [["--handlers"], {}, /needs a value/]
    ]
    for (const [argv, env, message] of bad) expect(() => parseWorkerConfig(argv, env)).toThrow(message)
    expect(() => parseWorkerConfig([], {})).toThrow(WorkerConfigError)
  })
  it("--prefetch / LEASEHOLD_PREFETCH: auto by default, 0 or N up to 1000; anything else names the flag", () => {
    expect(parseWorkerConfig(["--handlers", "h"], {}).prefetch).toBe("auto")
    expect(parseWorkerConfig(["--handlers", "h", "--prefetch", "0"], {}).prefetch).toBe(0)
    expect(parseWorkerConfig(["--handlers", "h", "--prefetch=1000"], { LEASEHOLD_PREFETCH: "3" }).prefetch).toBe(1000)
    expect(parseWorkerConfig(["--handlers", "h"], { LEASEHOLD_PREFETCH: "25" }).prefetch).toBe(25)
    expect(parseWorkerConfig(["--handlers", "h"], { LEASEHOLD_PREFETCH: "auto" }).prefetch).toBe("auto")
    for (const bad of ["1001", "-1", "lots", "2.5"]) {
      expect(() => parseWorkerConfig(["--handlers", "h", "--prefetch", bad], {})).toThrow(/--prefetch: expected auto, 0 or an integer 1\.\.1000/)
      expect(() => parseWorkerConfig(["--handlers", "h"], { LEASEHOLD_PREFETCH: bad })).toThrow(/LEASEHOLD_PREFETCH/)
    }
  })

  it("reads the token from --token-file or LEASEHOLD_TOKEN_FILE, trimmed; an unreadable file names itself", () => {
    const dir = mkdtempSync(join(tmpdir(), "lh-worker-token-"))
    const file = join(dir, "token")
    writeFileSync(file, "  s3cret-token \n")
    expect(parseWorkerConfig(["--handlers", "h.js", "--token-file", file], {}).token).toBe("s3cret-token")
    expect(parseWorkerConfig(["--handlers", "h.js"], { LEASEHOLD_TOKEN_FILE: file }).token).toBe("s3cret-token")
    const missing = join(dir, "nope")
    expect(() => parseWorkerConfig(["--handlers", "h.js", "--token-file", missing], {})).toThrow(
      new WorkerConfigError(`--token-file ${missing}: cannot read the token file (no such file)`)
    )
  })
})
