import { Command } from "commander"
import { ListScansResponse, Routes, ScanResponse, type Scan } from "@leasehold/contracts"
import { defined, intOption, jsonOption, type CommandContext } from "../CliContext.ts"
import { scanDetails, scanProgressLine, scansTable } from "../render.ts"

const BOUND = 2 ** 53

/** Follows a scan until it is done: a bar redrawn in place on a terminal, a line per change otherwise. */
const watch = async (ctx: CommandContext, name: string, intervalMs: number): Promise<void> => {
  const client = ctx.client()
  let previous = ""
  let scan: Scan
  for (;;) {
    scan = (await client.get(ScanResponse, Routes.scan(name))).scan
    if (ctx.json()) ctx.io.out(`${JSON.stringify({ scan })}\n`)
    else {
      const line = scanProgressLine(scan)
      if (ctx.io.stdoutIsTTY) ctx.io.out(`\r\x1b[K${line}`)
      else if (line !== previous) ctx.io.out(`${line}\n`)
      previous = line
    }
    if (scan.done) break
    await ctx.io.sleep(intervalMs)
  }
  if (!ctx.json() && ctx.io.stdoutIsTTY) ctx.io.out("\n")
}

/** `leasehold scans create|list|show [--watch]`. */
export const scansCommand = (ctx: CommandContext): Command => {
  const scans = new Command("scans").description("large integer ranges of work, carved into batches at lease time")

  scans
    .command("create")
    .description("create a scan over [start, end)")
    .argument("<name>")
    .requiredOption("--type <type>", "job type of its batches")
    .requiredOption("--start <n>", "first unit", intOption(0, BOUND))
    .requiredOption("--end <n>", "one past the last unit", intOption(0, BOUND))
    .option("--queue <queue>", "queue (default: default)")
    .option("--default-batch-size <n>", "batch size when a worker asks for none", intOption(1, BOUND))
    .option("--max-batch-size <n>", "largest batch a worker may ask for", intOption(1, BOUND))
    .option("--payload <json>", "static payload object merged into every batch", jsonOption)
    .option("--max-attempts <n>", "max attempts of each batch (1..100)", intOption(1, 100))
    .action(async (name: string, o: Record<string, unknown>) => {
      const res = await ctx.client().send(ScanResponse, "POST", Routes.scans, {
        name,
        ...defined({
          type: o.type,
          start: o.start,
          end: o.end,
          queue: o.queue,
          default_batch_size: o.defaultBatchSize,
          max_batch_size: o.maxBatchSize,
          payload: o.payload,
          max_attempts: o.maxAttempts
        })
      })
      ctx.print(() => scanDetails(res.scan), res)
    })

  scans
    .command("list")
    .description("list scans with their progress")
    .action(async () => {
      const res = await ctx.client().get(ListScansResponse, Routes.scans)
      ctx.print(() => scansTable(res.scans), res)
    })

  scans
    .command("show")
    .description("show a scan; --watch draws a live progress bar until it is done")
    .argument("<name>")
    .option("--watch", "follow until done")
    .option("--interval <ms>", "poll interval with --watch", intOption(50, 60_000), 1000)
    .action(async (name: string, o: { watch?: boolean; interval: number }) => {
      if (o.watch) return watch(ctx, name, o.interval)
      const res = await ctx.client().get(ScanResponse, Routes.scan(name))
      ctx.print(() => scanDetails(res.scan), res)
    })
  return scans
}
