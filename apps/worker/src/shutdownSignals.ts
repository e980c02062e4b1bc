/** What a SIGTERM or SIGINT does at the current stage of the worker's life. */
export type SignalAction = (signal: NodeJS.Signals, count: number) => void

/** SIGTERM/SIGINT handlers installed before anything slow loads; the action is set as the worker comes up. */
export interface ShutdownSignals {
  /** Replaces the action; a signal that came before runs the new action at once. */
  readonly setAction: (action: SignalAction) => void
}

/**
 * Installs the handlers the moment it is called, so a signal during start-up (module loading, handler
 * loading, the first lease) never hits Node's default action, which exits 143. Until the worker exists
 * nothing is leased, so the first action just exits 0.
 */
export const installShutdownSignals = (): ShutdownSignals => {
  let count = 0
  let last: NodeJS.Signals | undefined
  let action: SignalAction = () => process.exit(0)
  const on = (signal: NodeJS.Signals) => {
    count++
    last = signal
    action(signal, count)
  }
  process.on("SIGTERM", on)
  process.on("SIGINT", on)
  return {
    setAction: (next) => {
      action = next
      if (last !== undefined) next(last, count)
    }
  }
}
