import { Command } from "commander"
import { ListQueuesResponse, QueueResponse, Routes, type RateLimit } from "@leasehold/contracts"
import { UsageError, defined, type CommandContext } from "../CliContext.ts"
import { cleared, limitOption, queueDetails, queuesTable, rateOption, type NONE } from "./queueLimits.ts"

const NAME = /^[a-z0-9_.-]{1,64}$/

/** A queue name argument, checked here so a typo is a usage error (exit 2), not a round trip. */
const queueName = (raw: string): string => {
  if (!NAME.test(raw)) throw new UsageError(`queue name must match [a-z0-9_.-]{1,64}, got '${raw}'`)
  return raw
}

/** `leasehold queues list|show|pause|resume|set`: flow control of queues (SPEC "Queues and flow control"). */
export const queuesCommand = (ctx: CommandContext): Command => {
  const queues = new Command("queues").description("queues and flow control: pause, concurrency, rate and per-key limits")

  queues
    .command("list")
    .description("list queues that have jobs or settings")
    .action(async () => {
      const res = await ctx.client().get(ListQueuesResponse, Routes.queues)
      ctx.print(() => (res.queues.length === 0 ? "no queues" : queuesTable(res.queues)), res)
    })

  queues
    .command("show")
    .description("show a queue's settings and counts")
    .argument("<name>")
    .action(async (name: string) => {
      const res = await ctx.client().get(QueueResponse, Routes.queue(queueName(name)))
      ctx.print(() => queueDetails(res.queue), res)
    })

  for (const [verb, description] of [
    ["pause", "stop leasing from the queue (enqueues and running jobs go on)"],
    ["resume", "lease from the queue again (waiting long-polls wake at once)"]
  ] as const) {
    queues
      .command(verb)
      .description(description)
      .argument("<name>")
      .action(async (name: string) => {
        const res = await ctx.client().send(QueueResponse, "POST", `${Routes.queue(queueName(name))}/${verb}`)
        ctx.print(() => queueDetails(res.queue), res)
      })
  }

  queues
    .command("set")
    .description("change a queue's limits ('none' clears one); flags not given stay as they are")
    .argument("<name>")
    .option("--max-concurrency <n>", "live leases on the queue at most (1..100000, or none)", limitOption)
    .option("--rate <limit/period>", "leases granted per fixed window, e.g. 100/1s, 50/500ms (or none)", rateOption)
    .option("--key-concurrency <k>", "live leases per concurrency_key at most (1..100000; none = default 1)", limitOption)
    .action(async (name: string, o: { maxConcurrency?: number | typeof NONE; rate?: RateLimit | typeof NONE; keyConcurrency?: number | typeof NONE }) => {
      const patch = defined({ max_concurrency: cleared(o.maxConcurrency), rate_limit: cleared(o.rate), key_concurrency: cleared(o.keyConcurrency) })
      if (Object.keys(patch).length === 0) throw new UsageError("nothing to set: give --max-concurrency, --rate or --key-concurrency")
      const res = await ctx.client().send(QueueResponse, "PATCH", Routes.queue(queueName(name)), patch)
      ctx.print(() => queueDetails(res.queue), res)
    })
  return queues
}
