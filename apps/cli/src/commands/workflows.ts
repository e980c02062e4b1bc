import { Command } from "commander"
import { ListWorkflowsResponse, Routes, WorkflowResponse, WorkflowStatus, type Workflow, type WorkflowSummary } from "@leasehold/contracts"
import { intOption, UsageError, type CommandContext } from "../CliContext.ts"
import { fields, relative, table } from "../format.ts"
import { drawWorkflowGraph } from "../workflowGraph.ts"

const STATUSES: ReadonlyArray<string> = WorkflowStatus.literals

/** A positional workflow id (a positive integer). */
const workflowIdArg = (raw: string): number => {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`workflow id must be a positive integer, got '${raw}'`)
  }
  return Number(raw)
}

const countsLine = (w: WorkflowSummary): string =>
  Object.entries(w.counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ") || "no jobs"

const total = (w: WorkflowSummary) => Object.values(w.counts).reduce((a, b) => a + b, 0)

/** Workflows as an aligned table. */
const workflowsTable = (workflows: ReadonlyArray<WorkflowSummary>, now = new Date()): string =>
  table(workflows, [
    { header: "ID", cell: (w) => String(w.id), align: "right" },
    { header: "NAME", cell: (w) => w.name ?? "-" },
    { header: "STATUS", cell: (w) => w.status },
    { header: "DONE", cell: (w) => `${w.counts.completed}/${total(w)}`, align: "right" },
    { header: "JOBS", cell: countsLine },
    { header: "CREATED", cell: (w) => relative(w.created_at, now) },
    { header: "FINISHED", cell: (w) => relative(w.finished_at, now) }
  ])

/** A workflow's fields, then its graph. */
const workflowDetails = (w: Workflow, all: boolean, now = new Date()): string =>
  [
    fields([
      ["id", String(w.id)],
      ["name", w.name ?? "-"],
      ["status", w.status],
      ["jobs", `${total(w)} (${countsLine(w)})`],
      ["created", `${w.created_at} (${relative(w.created_at, now)})`],
      ["finished", w.finished_at === null ? "-" : `${w.finished_at} (${relative(w.finished_at, now)})`]
    ]),
    "",
    drawWorkflowGraph(w, { all })
  ].join("\n")

/** Reads `wf.json`: a `POST /workflows` body (`{name?, jobs, idempotency_key?}`), or a bare array of jobs. */
const readWorkflowFile = async (ctx: CommandContext, path: string): Promise<Record<string, unknown>> => {
  let text: string
  try {
    text = await ctx.io.readFile(path)
  } catch (cause) {
    throw new UsageError(`cannot read ${path}: ${cause instanceof Error ? cause.message : String(cause)}`)
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new UsageError(`${path}: not valid JSON`)
  }
  if (Array.isArray(body)) return { jobs: body }
  if (typeof body !== "object" || body === null || !Array.isArray((body as { jobs?: unknown }).jobs)) {
    throw new UsageError(`${path}: expected {"jobs": [...]} (with optional "name" and "idempotency_key") or an array of jobs`)
  }
  return body as Record<string, unknown>
}

/** `leasehold workflows list|show|create|cancel|retry`. */
export const workflowsCommand = (ctx: CommandContext): Command => {
  const workflows = new Command("workflows").description("graphs of jobs that wait for other jobs: list, draw, create, cancel, retry")
  const show = (res: { workflow: Workflow; duplicate?: boolean | undefined }, all = false) =>
    ctx.print(() => (res.duplicate === true ? "(existing workflow for this idempotency key)\n" : "") + workflowDetails(res.workflow, all), res)

  workflows
    .command("list")
    .description("list workflows by id (one page; --cursor for the next)")
    .option("--status <status>", `only this status (${STATUSES.join(", ")})`)
    .option("--limit <n>", "workflows per page (1..500)", intOption(1, 500))
    .option("--cursor <cursor>", "continue after a previous page")
    .action(async (o: { status?: string; limit?: number; cursor?: string }) => {
      if (o.status !== undefined && !STATUSES.includes(o.status)) throw new UsageError(`--status must be one of ${STATUSES.join(", ")}`)
      const page = await ctx.client().get(ListWorkflowsResponse, Routes.workflows, { status: o.status, limit: o.limit, cursor: o.cursor })
      ctx.print(() => workflowsTable(page.workflows) + (page.next_cursor ? `\nmore: --cursor ${page.next_cursor}` : ""), page)
    })

  workflows
    .command("show")
    .description("show a workflow and draw its graph, each job with its status (summarised past 50 jobs)")
    .argument("<id>", "workflow id")
    .option("--all", "draw every job however many there are")
    .action(async (id: string, o: { all?: boolean }) => show(await ctx.client().get(WorkflowResponse, Routes.workflow(workflowIdArg(id))), o.all === true))

  workflows
    .command("create")
    .description("create a workflow from a JSON file: {name?, jobs: [{key, type, depends_on?, ...}], idempotency_key?}")
    .requiredOption("--file <path>", "the workflow as JSON ('-' reads stdin)")
    .action(async (o: { file: string }) => show(await ctx.client().send(WorkflowResponse, "POST", Routes.workflows, await readWorkflowFile(ctx, o.file))))

  workflows
    .command("cancel")
    .description("cancel every job of the workflow not yet finished")
    .argument("<id>", "workflow id")
    .action(async (id: string) => show(await ctx.client().send(WorkflowResponse, "POST", Routes.workflowCancel(workflowIdArg(id)))))

  workflows
    .command("retry")
    .description("bring back every failed or cancelled job (pending when its dependencies completed, else blocked)")
    .argument("<id>", "workflow id")
    .action(async (id: string) => show(await ctx.client().send(WorkflowResponse, "POST", Routes.workflowRetry(workflowIdArg(id)))))
  return workflows
}
