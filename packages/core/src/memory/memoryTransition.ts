import type { JobStatus } from "@leasehold/contracts"
import type { JobLifecycleState, JobMachineEvent } from "../JobMachine.ts"

const active = (s: JobStatus) => s === "blocked" || s === "pending" || s === "processing" || s === "retrying"
const finished = (s: JobStatus) => s === "retrying" || s === "failed" || s === "cancelled"

/**
 * The lifecycle of SPEC.md written out by hand, independently of `JobMachine` (xstate): the memory
 * store applies this, so the model test against the memory store compares two implementations, not
 * the machine with itself. Null when the transition is illegal.
 */
export const memoryTransition = (
  status: JobStatus,
  attempts: number,
  maxAttempts: number,
  event: JobMachineEvent
): JobLifecycleState | null => {
  const left = attempts < maxAttempts
  switch (event.type) {
    case "LEASE":
      if (status === "pending" || status === "retrying") return { status: "processing", attempts: attempts + 1 }
      return status === "processing" && event.leaseExpired === true && left ? { status: "processing", attempts: attempts + 1 } : null
    case "COMPLETE":
      return status === "processing" ? { status: "completed", attempts } : null
    case "FAIL":
      return status === "processing" ? { status: event.retryable && left ? "retrying" : "failed", attempts } : null
    case "LEASE_EXPIRED":
      return status === "processing" ? { status: left ? "retrying" : "failed", attempts } : null
    case "RELEASE":
      return status === "processing" ? { status: "pending", attempts: Math.max(0, attempts - 1) } : null
    case "CANCEL":
      return active(status) ? { status: "cancelled", attempts } : null
    case "RETRY":
      return finished(status) ? { status: "pending", attempts: 0 } : null
    case "DEPENDENCIES_MET":
      return status === "blocked" ? { status: "pending", attempts } : null
    case "DEPENDENCY_FAILED":
      return status === "blocked" ? { status: "cancelled", attempts } : null
    case "REOPEN":
      return status === "failed" || status === "cancelled" ? { status: "blocked", attempts: 0 } : null
  }
}
