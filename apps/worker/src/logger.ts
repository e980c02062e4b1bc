import type { WorkerLogger } from "@leasehold/core"

const RANK = { debug: 10, info: 20, warn: 30, error: 40 } as const

/** Structured logs: one JSON object per line on stderr, `{time, level, msg, ...fields}`. */
export const makeJsonLogger = (
  level: keyof typeof RANK = "info",
  base: Record<string, unknown> = {},
  write: (line: string) => void = (line) => process.stderr.write(line)
): WorkerLogger => {
  const at = (lvl: keyof typeof RANK) => (msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < RANK[level]) return
    write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...base, ...fields })}\n`)
  }
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }
}
