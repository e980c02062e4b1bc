import { Command, CommanderError } from "commander"
import { ApiError } from "./MasterClient.ts"
import { DEFAULT_URL, UsageError, makeContext, type CliIo } from "./CliContext.ts"
import { jobsCommand } from "./commands/jobs.ts"
import { schedulesCommand } from "./commands/schedules.ts"
import { scansCommand } from "./commands/scans.ts"
import { leasesCommand, statsCommand, workersCommand } from "./commands/operations.ts"
import { workflowsCommand } from "./commands/workflows.ts"
import { queuesCommand } from "./commands/queues.ts"

/** Exit codes: 0 ok, 1 the master refused or could not be reached, 2 the command line was wrong. */
export const EXIT = { ok: 0, api: 1, usage: 2 } as const

const configure = (cmd: Command, io: CliIo): void => {
  cmd.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err }).showSuggestionAfterError(true)
  for (const sub of cmd.commands) configure(sub, io)
}

/** Runs one CLI invocation and resolves to its exit code (a bare `--` argument is ignored). */
export const runCli = async (argv: ReadonlyArray<string>, io: CliIo): Promise<number> => {
  const program = new Command("leasehold")
    .description("Admin CLI for a Leasehold master (HTTP API only)")
    .option("--url <url>", `master URL [LEASEHOLD_URL; default ${DEFAULT_URL}]`)
    .option("--token <token>", "bearer token [LEASEHOLD_TOKEN]")
    .option("--token-file <path>", "file holding the bearer token, kept out of ps [LEASEHOLD_TOKEN_FILE]")
    .option("--json", "print JSON for machines instead of tables")
  const ctx = makeContext(io, () => program.opts())
  program
    .addCommand(jobsCommand(ctx))
    .addCommand(schedulesCommand(ctx))
    .addCommand(scansCommand(ctx))
    .addCommand(workflowsCommand(ctx))
    .addCommand(queuesCommand(ctx))
    .addCommand(leasesCommand(ctx))
    .addCommand(statsCommand(ctx))
    .addCommand(workersCommand(ctx))
  configure(program, io)
  try {
    await program.parseAsync(argv.filter((a) => a !== "--"), { from: "user" })
    return EXIT.ok
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return EXIT.ok
      return EXIT.usage
    }
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\n`)
      return EXIT.usage
    }
    if (e instanceof ApiError) {
      if (ctx.json()) io.err(`${JSON.stringify({ error: { status: e.status, code: e.code, message: e.message, details: e.details } })}\n`)
      else io.err(`error: ${e.message}${e.status > 0 ? ` (${e.status} ${e.code})` : ""}\n`)
      return EXIT.api
    }
    io.err(`error: ${e instanceof Error ? e.message : String(e)}\n`)
    return EXIT.api
  }
}
