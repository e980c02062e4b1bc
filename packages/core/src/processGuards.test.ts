import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const GUARDS = fileURLToPath(new URL("./processGuards.ts", import.meta.url))

/** Runs a small program with the guards installed and a JSON-lines logger on stdout. */
const run = (body: string) => {
  const program = `
    import { installProcessGuards } from ${JSON.stringify(GUARDS)}
    installProcessGuards({ error: (msg, fields) => process.stdout.write(JSON.stringify({ level: "error", msg, ...fields }) + "\\n") })
    ${body}`
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", program], { encoding: "utf8", timeout: 60_000 })
  const lines = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
  return { status: r.status, lines, stdout: r.stdout, stderr: r.stderr }
}

describe("process guards", () => {
  it("log an unhandled rejection as one structured line and keep the process running", () => {
    const r = run(`
      Promise.reject(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))
      setTimeout(() => { process.stdout.write("still running\\n"); process.exit(0) }, 50)`)
    expect(r.status).toBe(0)
    expect(r.stdout).toContain("still running")
    expect(r.lines[0]).toMatchObject({ level: "error", msg: "unhandled rejection (kept running)", error: "Error: read ECONNRESET", code: "ECONNRESET" })
    expect(r.stderr).not.toContain("ECONNRESET")
  })

  it("log an uncaught exception with a clear line and exit 1", () => {
    const r = run(`setTimeout(() => { throw new TypeError("boom") }, 0); setTimeout(() => process.stdout.write("should not run\\n"), 200)`)
    expect(r.status).toBe(1)
    expect(r.stdout).not.toContain("should not run")
    expect(r.lines[0]).toMatchObject({ level: "error", msg: "uncaught exception: exiting (restart the process)", error: "TypeError: boom" })
  })
})
