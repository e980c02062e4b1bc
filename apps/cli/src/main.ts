import { readFile } from "node:fs/promises"
import { resolve } from "node:path"
import { runCli } from "./runCli.ts"

/** `pnpm leasehold -- ...` runs in the package directory; relative paths mean the caller's directory. */
const callerDir = process.env.INIT_CWD ?? process.cwd()

const readInput = async (path: string): Promise<string> => {
  if (path !== "-") return readFile(resolve(callerDir, path), "utf8")
  const chunks: Array<Buffer> = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString("utf8")
}

const code = await runCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  readFile: readInput,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms))
})
process.exitCode = code
