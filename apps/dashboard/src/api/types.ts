import type { operations } from "./schema.ts"

/** The JSON body of an operation's 200 answer, from the generated OpenAPI types. */
type Ok<O extends keyof operations> = operations[O]["responses"] extends { 200: { content: { "application/json": infer T } } } ? T : never

/** Wire types the pages use, all derived from the master's OpenAPI document. */
export type Job = Ok<"getJobsId">["job"]
export type JobStatus = Job["status"]
export type JobPage = Ok<"getJobs">
export type JobQuery = NonNullable<operations["getJobs"]["parameters"]["query"]>
export type Stats = Ok<"getStats">
export type QueueCounts = Stats["queues"][string]
export type Worker = Ok<"getWorkers">["workers"][number]
export type Scan = Ok<"getScans">["scans"][number]
export type Schedule = Ok<"getSchedules">["schedules"][number]
export type WhoAmI = Ok<"getWhoami">
export type Throughput = Ok<"getStatsThroughput">
export type ThroughputMinute = Throughput["minutes"][number]
export type QueueInfo = Ok<"getQueues">["queues"][number]
export type QueueLimits = NonNullable<operations["patchQueuesName"]["requestBody"]>["content"]["application/json"]
export type WorkflowSummary = Ok<"getWorkflows">["workflows"][number]
export type Workflow = Ok<"getWorkflowsId">["workflow"]
export type WorkflowNode = Workflow["jobs"][number]
export type BulkRequest = operations["postJobsBulkRetry"]["requestBody"]["content"]["application/json"]
export type BulkAnswer = Ok<"postJobsBulkRetry">
export type BulkFilter = NonNullable<BulkRequest["filter"]>

/** A bulk answer by filter (`{count}`), as opposed to one by ids (`{results}`). */
export type BulkCount = Extract<BulkAnswer, { count: number }>
/** Whether a bulk answer is a count (the request named a filter). */
export const isBulkCount = (a: BulkAnswer): a is BulkCount => typeof (a as { count?: unknown }).count === "number"
