import {
  AddWorkflowJobsResponse,
  API_BASE,
  AckResponse,
  ErrorEnvelope,
  JobResponse,
  LeaseResponse,
  RenewManyResponse,
  Routes
} from "@leasehold/contracts"
import { MasterError, type MasterClientShape } from "@leasehold/core"
import { Effect, Schema } from "effect"
import { postJson } from "./postJson.ts"

/** Where the master is and how to prove who we are. */
export interface HttpMasterClientOptions {
  /** Base URL of the master, e.g. `http://127.0.0.1:8080` (API_BASE is appended). */
  readonly url: string
  /** Bearer token of the worker role, when the master has tokens configured. */
  readonly token?: string | undefined
  /** Per-request timeout beyond a long-poll's own wait. */
  readonly timeoutMs?: number | undefined
}

/** 30 s: a master that does not answer in that time is treated as down and retried. */
const DEFAULT_TIMEOUT_MS = 30_000

const decodeErrorEnvelope = Schema.decodeUnknownOption(ErrorEnvelope)

/** Maps a non-2xx answer to a typed failure: 500 internal, other 5xx/429 unavailable, 409 lease_lost, other 4xx rejected. */
const classify = (status: number, body: unknown): MasterError => {
  const envelope = decodeErrorEnvelope(body)
  const code = envelope._tag === "Some" ? envelope.value.error.code : undefined
  const message = envelope._tag === "Some" ? envelope.value.error.message : `HTTP ${status}`
  if (status === 500) return new MasterError({ reason: "Internal", message, status, code })
  if (status > 500 || status === 429) return new MasterError({ reason: "Unavailable", message, status, code })
  if (code === "lease_lost") return new MasterError({ reason: "LeaseLost", message, status, code })
  return new MasterError({ reason: "Rejected", message: `${status} ${code ?? ""} ${message}`.trim(), status, code })
}

/**
 * The worker's `MasterClient` over HTTP (keep-alive), built from the `contracts`
 * schemas and routes: requests are typed wire bodies, answers are decoded before use.
 */
export const makeHttpMasterClient = (options: HttpMasterClientOptions): MasterClientShape => {
  const base = `${options.url.replace(/\/+$/, "")}${API_BASE}`
  const headers: Record<string, string> = { "content-type": "application/json" }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS

  const post = <S extends Schema.Top & { readonly DecodingServices: never }>(
    path: string,
    body: unknown,
    schema: S,
    extraWaitMs = 0
  ): Effect.Effect<S["Type"], MasterError> =>
    Effect.gen(function* () {
      const payload = yield* Effect.try({
        try: () => JSON.stringify(body),
        catch: (cause) => new MasterError({ reason: "Rejected", message: `unserializable request: ${String(cause)}`, cause })
      })
      const response = yield* Effect.tryPromise({
        try: (signal) => postJson(new URL(`${base}${path}`), payload, headers, signal, timeoutMs + extraWaitMs),
        catch: (cause) =>
          new MasterError({ reason: "Unavailable", message: `master unreachable: ${(cause as Error)?.message ?? cause}`, cause })
      })
      if (response.status < 200 || response.status >= 300) return yield* Effect.fail(classify(response.status, response.json))
      return yield* Schema.decodeUnknownEffect(schema)(response.json).pipe(
        Effect.mapError(
          (cause) => new MasterError({ reason: "Rejected", message: `unexpected answer from ${path}: ${String(cause)}`, cause })
        )
      )
    })

  return {
    lease: (request) => post(Routes.jobsLease, request, LeaseResponse, request.wait_ms ?? 0),
    renew: (request) => post(Routes.leasesRenew, request, RenewManyResponse),
    ack: (request) => post(Routes.leasesAck, request, AckResponse),
    release: (jobId, request) => post(Routes.jobRelease(jobId), request, JobResponse),
    addWorkflowJobs: (workflowId, request) => post(Routes.workflowJobs(workflowId), request, AddWorkflowJobsResponse)
  }
}
