/** The part of a structured logger the guards write to. */
export interface GuardLogger {
  readonly error: (message: string, fields?: Record<string, unknown>) => void
}

const describe = (e: unknown) =>
  e instanceof Error ? { error: `${e.name}: ${e.message}`, ...("code" in e ? { code: String(e.code) } : {}), stack: e.stack } : { error: String(e) }

/**
 * Process-level last resort for a master or worker main. A rejection nobody handled (a driver's internal
 * promise failing on a connection reset) is logged as one structured line and the process keeps serving:
 * every request path handles its own failures, so such a rejection leaves no state half-changed. An
 * uncaught exception leaves the process in an unknown state: it is logged with a clear line and the
 * process exits 1, so a supervisor restarts it. Node's default for both is a raw stack and exit.
 */
export const installProcessGuards = (log: GuardLogger, exit: (code: number) => void = (code) => process.exit(code)): void => {
  process.on("unhandledRejection", (reason) => log.error("unhandled rejection (kept running)", describe(reason)))
  process.on("uncaughtException", (error) => {
    log.error("uncaught exception: exiting (restart the process)", describe(error))
    exit(1)
  })
}
