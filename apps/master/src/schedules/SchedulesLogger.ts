/**
 * The logging the schedules module needs; structurally satisfied by the master's logger
 * (message first, then structured fields).
 */
export interface SchedulesLogger {
  readonly info: (message: string, fields?: Record<string, unknown>) => void
  readonly warn: (message: string, fields?: Record<string, unknown>) => void
  readonly error: (message: string, fields?: Record<string, unknown>) => void
}
