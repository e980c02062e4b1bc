import { Context, type Effect } from "effect"
import type { AddedWorkflowJob, OnDependencyFailure, Workflow, WorkflowStatus, WorkflowSummary } from "@leasehold/contracts"
import type { StoreError } from "./errors.ts"
import type { Clocked, NewJob } from "./JobStore.ts"

/** A validated job of a workflow request (defaults not yet applied). */
export interface NewWorkflowJob extends Omit<NewJob, "idempotencyKey"> {
  readonly key: string
  readonly dependsOn?: ReadonlyArray<string> | undefined
  readonly onDependencyFailure?: OnDependencyFailure | undefined
}

/** Proof that an add runs under a live lease of a job of the workflow. */
export interface WorkflowLeaseProof {
  readonly jobId: number
  readonly workerId: string
  readonly leaseToken: string
}

/**
 * The workflow port, beside JobStore: creating graphs, adding to them, reading, cancelling and retrying them.
 * Unblocking itself is not here: it happens inside the job store's own writes, in their transactions.
 */
export interface WorkflowStoreShape {
  /** Create a workflow and all its jobs, all or nothing; an existing idempotency key returns that workflow. */
  readonly workflowCreate: (
    p: {
      readonly name?: string | undefined
      readonly jobs: ReadonlyArray<NewWorkflowJob>
      readonly idempotencyKey?: string | undefined
    } & Clocked
  ) => Effect.Effect<{ readonly workflow: Workflow; readonly duplicate: boolean }, StoreError>
  /** Add jobs to a running workflow (under `lease` when given); a key that exists returns that job as a duplicate. */
  readonly workflowJobsAdd: (
    p: {
      readonly workflowId: number
      readonly jobs: ReadonlyArray<NewWorkflowJob>
      readonly lease?: WorkflowLeaseProof | undefined
    } & Clocked
  ) => Effect.Effect<ReadonlyArray<AddedWorkflowJob>, StoreError>
  readonly workflowGet: (p: { readonly id: number }) => Effect.Effect<Workflow, StoreError>
  /** Keyset pagination by id ascending. */
  readonly workflowList: (p: {
    readonly status?: WorkflowStatus | undefined
    readonly limit: number
    readonly cursor?: string | undefined
  }) => Effect.Effect<{ readonly workflows: ReadonlyArray<WorkflowSummary>; readonly next_cursor: string | null }, StoreError>
  /** Cancel every job not yet finished; a finished workflow is InvalidTransition. */
  readonly workflowCancel: (p: { readonly id: number } & Clocked) => Effect.Effect<Workflow, StoreError>
  /** Bring every failed or cancelled job back (pending when its dependencies are met, else blocked). */
  readonly workflowRetry: (p: { readonly id: number } & Clocked) => Effect.Effect<Workflow, StoreError>
}

/** The WorkflowStore service tag. */
export class WorkflowStore extends Context.Service<WorkflowStore, WorkflowStoreShape>()("@leasehold/core/WorkflowStore") {}
