import { Hono } from "hono"
import {
  AddWorkflowJobsRequest,
  CreateWorkflowRequest,
  ListWorkflowsQuery,
  MAX_WORKFLOW_JOBS,
  WorkflowJobInput
} from "@leasehold/contracts"
import type { NewWorkflowJob, WorkflowStoreShape } from "@leasehold/core"
import { HttpError, badRequest } from "../http/HttpError.ts"
import { runStore } from "../http/runStore.ts"
import { checker, decoder, intParam, orUndef, readBody, readQuery } from "../http/validate.ts"
import type { Role } from "../middleware/auth/auth.ts"

const checkItem = checker(WorkflowJobInput)
const decodeCreate = decoder(CreateWorkflowRequest)
const decodeAdd = decoder(AddWorkflowJobsRequest)
const decodeList = decoder(ListWorkflowsQuery)

/** Validates the items of a create or add request one by one, so a bad one is a 400 naming its index. */
export const toWorkflowJobs = (items: ReadonlyArray<unknown>): Array<NewWorkflowJob> => {
  if (items.length === 0) throw badRequest("jobs must not be empty")
  if (items.length > MAX_WORKFLOW_JOBS) throw badRequest(`at most ${MAX_WORKFLOW_JOBS} jobs per workflow request`)
  return items.map((item, index) => {
    const r = checkItem(item)
    if (!r.ok) throw badRequest(`invalid job at index ${index}: ${r.message}`, { index })
    const j = r.value
    if (j.run_at != null && j.delay_ms != null) throw badRequest(`run_at and delay_ms are mutually exclusive (index ${index})`, { index })
    return {
      key: j.key,
      type: j.type,
      dependsOn: orUndef(j.depends_on),
      queue: orUndef(j.queue),
      payload: j.payload ?? null,
      priority: orUndef(j.priority),
      maxAttempts: orUndef(j.max_attempts),
      runAt: j.run_at == null ? undefined : new Date(j.run_at),
      delayMs: orUndef(j.delay_ms),
      concurrencyKey: orUndef(j.concurrency_key),
      onDependencyFailure: orUndef(j.on_dependency_failure)
    }
  })
}

/** The lease an add runs under: all three of worker_id, lease_token and job_id, or none. */
const leaseOf = (body: AddWorkflowJobsRequest) => {
  const given = [body.worker_id, body.lease_token, body.job_id].filter((v) => v != null).length
  if (given === 0) return undefined
  if (given !== 3) throw badRequest("worker_id, lease_token and job_id go together (adding under a lease) or not at all")
  return { workerId: body.worker_id!, leaseToken: body.lease_token!, jobId: body.job_id! }
}

/** SPEC "Workflows": create, list, read, add jobs (under a lease or as producer / admin), cancel, retry. */
export const workflowsRoutes = (workflows: WorkflowStoreShape) => {
  const app = new Hono()

  app.post("/", async (c) => {
    const body = await readBody(c, decodeCreate)
    const jobs = toWorkflowJobs(body.jobs)
    const out = await runStore(workflows.workflowCreate({ name: orUndef(body.name), jobs, idempotencyKey: orUndef(body.idempotency_key) }))
    return out.duplicate ? c.json({ workflow: out.workflow, duplicate: true }, 200) : c.json({ workflow: out.workflow }, 201)
  })

  app.get("/", async (c) => {
    const q = readQuery(c, decodeList)
    return c.json(await runStore(workflows.workflowList({ status: q.status, limit: q.limit ?? 50, cursor: q.cursor })))
  })

  app.get("/:id", async (c) => c.json({ workflow: await runStore(workflows.workflowGet({ id: intParam(c, "id") })) }))

  app.post("/:id/jobs", async (c) => {
    const workflowId = intParam(c, "id")
    const body = await readBody(c, decodeAdd)
    const lease = leaseOf(body)
    if (!lease && (c.get("role" as never) as Role | undefined) === "worker") {
      throw new HttpError("forbidden", "a worker adds jobs only under a live lease: give worker_id, lease_token and job_id")
    }
    const jobs = toWorkflowJobs(body.jobs)
    return c.json({ jobs: await runStore(workflows.workflowJobsAdd({ workflowId, jobs, lease })) }, 201)
  })

  app.post("/:id/cancel", async (c) => c.json({ workflow: await runStore(workflows.workflowCancel({ id: intParam(c, "id") })) }))
  app.post("/:id/retry", async (c) => c.json({ workflow: await runStore(workflows.workflowRetry({ id: intParam(c, "id") })) }))
  return app
}
