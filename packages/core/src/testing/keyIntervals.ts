/** One handler run of a keyed job, as a concurrency test records it (monotonic milliseconds). */
export interface KeyInterval {
  readonly key: string | null
  readonly start: number
  readonly end: number
}

/**
 * The most recorded runs of one key open at the same instant (keyless runs are ignored). Tests of
 * key_concurrency record [after the lease returned, before the outcome was sent]: inside the lease's
 * real span, so an overlap here is an overlap of live leases.
 */
export const maxOverlapPerKey = (intervals: ReadonlyArray<KeyInterval>): number => {
  const byKey = new Map<string, Array<[number, number]>>()
  for (const i of intervals) {
    if (i.key === null) continue
    const events = byKey.get(i.key) ?? []
    events.push([i.start, 1], [i.end, -1])
    byKey.set(i.key, events)
  }
  let max = 0
  for (const events of byKey.values()) {
    events.sort((x, y) => x[0] - y[0] || x[1] - y[1])
    let open = 0
    for (const [, d] of events) max = Math.max(max, (open += d))
  }
  return max
}
