import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const WORKER_MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url))
const SLOW_HANDLERS = fileURLToPath(new URL("./fixtures/slow-loading-handlers.ts", import.meta.url))

describe("a signal while the worker is still starting", () => {
  it("SIGTERM during start-up (handlers still loading) exits 0, not 143", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", WORKER_MAIN, "--master", "http://127.0.0.1:9", "--handlers", SLOW_HANDLERS], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal }))
    )
    try {
      await new Promise<void>((resolve, reject) => {
        const onData = (d: Buffer) => {
          output += String(d)
          if (output.includes("fixture: handlers loading")) resolve()
        }
        child.stdout!.on("data", onData)
        child.stderr!.on("data", onData)
        child.once("exit", () => reject(new Error(`worker exited before loading its handlers: ${output}`)))
      })
      child.kill("SIGTERM")
      expect(await exited).toEqual({ code: 0, signal: null })
      expect(output).toMatch(/signal received before the worker started/)
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    }
  })
})
