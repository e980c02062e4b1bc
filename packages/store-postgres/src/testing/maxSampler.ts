/**
 * Reads `probe` back to back until stopped and keeps the highest value seen: a limit test samples
 * the live count continuously from its own connection while the leasers run.
 */
export const maxSampler = (probe: () => Promise<number>) => {
  let stop = false
  let max = 0
  let samples = 0
  const done = (async () => {
    while (!stop) {
      max = Math.max(max, await probe())
      samples++
    }
  })()
  return { stop: async () => ((stop = true), await done, { max, samples }) }
}
