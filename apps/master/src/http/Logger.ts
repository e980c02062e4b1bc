/** Log levels in increasing severity. */
export type LogLevel = "debug" | "info" | "warn" | "error"

/** A structured logger: one JSON object per line. */
export interface Logger {
  readonly debug: (msg: string, fields?: Record<string, unknown>) => void
  readonly info: (msg: string, fields?: Record<string, unknown>) => void
  readonly warn: (msg: string, fields?: Record<string, unknown>) => void
  readonly error: (msg: string, fields?: Record<string, unknown>) => void
  /** Whether debug lines are written (lets hot paths skip building fields). */
  readonly debugEnabled: boolean
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** JSON-lines logger writing to `write` (stdout by default) at `level` and above. */
export const makeLogger = (
  level: LogLevel = "info",
  write: (line: string) => void = (line) => void process.stdout.write(line),
  base: Record<string, unknown> = { service: "leasehold-master" }
): Logger => {
  const min = RANK[level]
  const at = (lvl: LogLevel) =>
    RANK[lvl] < min
      ? () => {}
      : (msg: string, fields?: Record<string, unknown>) =>
          write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...base, ...fields })}\n`)
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), debugEnabled: min <= RANK.debug }
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = makeLogger("error", () => {})
