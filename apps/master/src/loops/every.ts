/** A background loop that runs `task` every `intervalMs`, never overlapping itself. */
export interface Loop {
  readonly stop: () => Promise<void>
}

/** Runs `task` now-ish and then every `intervalMs` after the previous run finished; errors go to `onError`. */
export const every = (intervalMs: number, task: () => Promise<void>, onError: (e: unknown) => void): Loop => {
  let stopped = false
  let running: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined
  const tick = () => {
    timer = undefined
    if (stopped) return
    running = task()
      .catch(onError)
      .finally(() => {
        running = undefined
        if (!stopped) timer = setTimeout(tick, intervalMs)
      })
  }
  timer = setTimeout(tick, Math.min(intervalMs, 1000))
  return {
    stop: async () => {
      stopped = true
      if (timer) clearTimeout(timer)
      await running
    }
  }
}
