import { Context, type Effect } from "effect"
import type {
  AddWorkflowJobsResponse,
  AckRequest,
  AckResponse,
  JobResponse,
  LeaseRequest,
  LeaseResponse,
  ReleaseRequest,
  RenewManyRequest,
  RenewManyResponse
} from "@leasehold/contracts"
import type { MasterError } from "./MasterError.ts"

/**
 * What a worker needs from the master, in wire types. The HTTP implementation lives in
 * `apps/worker`; unit tests provide an in-process fake. Interrupting a call aborts it.
 */
export interface MasterClientShape {
  /** `POST /jobs/lease` (long-polls up to `wait_ms`). */
  readonly lease: (request: LeaseRequest) => Effect.Effect<LeaseResponse, MasterError>
  /** `POST /leases/renew`: one call for many leases. */
  readonly renew: (request: RenewManyRequest) => Effect.Effect<RenewManyResponse, MasterError>
  /** `POST /leases/ack`: batched outcomes in one transaction. */
  readonly ack: (request: AckRequest) => Effect.Effect<AckResponse, MasterError>
  /** `POST /jobs/{id}/release`: gives a job back without burning an attempt. */
  readonly release: (jobId: number, request: ReleaseRequest) => Effect.Effect<JobResponse, MasterError>
  /** `POST /workflows/{id}/jobs` under a lease (`ctx.workflow.add`); absent on clients that never run workflow jobs. */
  readonly addWorkflowJobs?: (
    workflowId: number,
    request: { readonly jobs: ReadonlyArray<unknown>; readonly worker_id: string; readonly lease_token: string; readonly job_id: number }
  ) => Effect.Effect<AddWorkflowJobsResponse, MasterError>
}

/** The master client port as an Effect service. */
export class MasterClient extends Context.Service<MasterClient, MasterClientShape>()("@leasehold/core/MasterClient") {}
