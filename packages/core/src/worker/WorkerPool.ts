import { MAX_ACKS_ON_LEASE, type LeasedJob } from "@leasehold/contracts"
import { Effect, Fiber, Queue } from "effect"
import { createActor, type Actor } from "xstate"
import { DEFAULT_BACKOFF, backoffSchedule, retryTransient } from "./backoff.ts"
import { failedOutcome, silentLogger, type HandlerContext, type Outcome } from "./Handler.ts"
import { MasterClient, type MasterClientShape } from "./MasterClient.ts"
import type { HandlerWorkflow } from "./Handler.ts"
import { isTransient, type MasterError } from "./MasterError.ts"
import {
  DEFAULT_ACK_WINDOW_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  DEFAULT_WAIT_MS,
  type PoolEvent,
  type PoolStatus,
  type WorkerPoolConfig
} from "./PoolConfig.ts"
import { JOB_WINDOW, MIN_SAMPLES, RTT_WINDOW, RecentMedian, bufferTarget, isFull, leaseSize, rttSample, wantsProbe, type PrefetchEstimates } from "./Prefetch.ts"
import { PrefetchBuffer, type Buffered, type LeaseMeta } from "./PrefetchBuffer.ts"
import { ackItem, makeAckOutbox, type CarriedAcks } from "./Reporter.ts"
import { makeRenewer, renewDelayMs } from "./Renewer.ts"
import { makeRenewScheduler, type RenewHandle, type RenewListener } from "./RenewScheduler.ts"
import { SlotMachine, type SlotContext, type SlotEvent, type SlotState } from "./SlotMachine.ts"

/** A running pool of supervised slots. */
export interface WorkerPool {
  /** Spawns the slots and starts leasing. */
  readonly start: () => void
  /** Stops leasing, lets running jobs finish within the shutdown timeout, releases the rest. */
  readonly stop: () => Promise<void>
  readonly status: () => PoolStatus
}

/** After the shutdown timeout, how long releases and pending acks may still take. */
const RELEASE_GRACE_MS = 5_000

/** A job's abort signal, created only when the handler reads it (most never do). */
class LazyAbort {
  private controller: AbortController | null = null
  private reason: unknown = undefined
  private aborted = false
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController()
      if (this.aborted) this.controller.abort(this.reason)
    }
    return this.controller.signal
  }
  abort(reason: unknown) {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.controller?.abort(reason)
  }
}

/** What `runJob` needs of a slot's actor: its status and flags, and a way to answer HANDLER_DONE. */
interface SlotRef {
  readonly getSnapshot: () => { readonly status: string; readonly context: SlotContext }
  readonly send: (event: SlotEvent) => void
}

interface Slot {
  readonly index: number
  actor: Actor<typeof SlotMachine>
  /** This slot's renewal callbacks, made once per slot. */
  listener: RenewListener
  job: LeasedJob | null
  meta: LeaseMeta | null
  controller: LazyAbort | null
  renewal: RenewHandle | null
  expiresAt: string
  outcome: Outcome | null
  /** The job taken from the buffer for this slot by a HANDLER_DONE with `next`, until `startNext` puts it in. */
  next: Buffered | null
}

/**
 * Lease calls in flight at once, each for its own disjoint set of free slots: slots freed while
 * one call is out are leased by the next at once, so the worker's job processing overlaps the
 * master's round trip instead of waiting for it.
 */
export const DEFAULT_MAX_LEASES_IN_FLIGHT = 2

/** Builds a pool over the `MasterClient` service. */
export const make = (config: WorkerPoolConfig): Effect.Effect<WorkerPool, never, MasterClient> =>
  Effect.gen(function* () {
    const client = yield* MasterClient
    return makeWorkerPool(client, config)
  })

/**
 * The pool: one XState actor per slot (supervised: a crashed actor is replaced and its job
 * released or reported), Effect fibers for the lease loop, per-job renewals and the ack batcher.
 */
export const makeWorkerPool = (client: MasterClientShape, config: WorkerPoolConfig): WorkerPool => {
  const log = config.logger ?? silentLogger
  const backoff = config.backoff ?? DEFAULT_BACKOFF
  const types = Object.keys(config.handlers)
  const counts = { started: 0, completed: 0, failed: 0, lost: 0, released: 0, crashed: 0, prefetched: 0 }
  let state: PoolStatus["state"] = "created"
  let lastRetryLog = 0
  let pendingAcks = 0
  let pendingReleases = 0
  const onRetry = (error: MasterError) => {
    const now = Date.now()
    if (now - lastRetryLog < 5_000) return
    lastRetryLog = now
    log.warn("master unavailable, retrying with backoff", { error: error.message })
  }
  const emit = (event: PoolEvent) => {
    try {
      config.onEvent?.(event)
    } catch (error) {
      log.error("event listener threw", { event: event.type, error: String(error) })
    }
  }
  const wake = Effect.runSync(Queue.sliding<void>(1))
  const reporter = makeAckOutbox({ client, workerId: config.workerId, windowMs: config.ackWindowMs ?? DEFAULT_ACK_WINDOW_MS, backoff, onRetry })
  const renewer = Effect.runSync(
    makeRenewer({ client, workerId: config.workerId, leaseSeconds: config.leaseSeconds, backoff, onRetry })
  )
  const renewals = makeRenewScheduler({ renewer, log })
  const slots: Array<Slot> = []

  const prefetch = config.prefetch ?? "auto"
  const rtt = new RecentMedian(RTT_WINDOW, MIN_SAMPLES)
  const jobTime = new RecentMedian(JOB_WINDOW, MIN_SAMPLES)
  /** The last lease answer was short (see Prefetch.ts): keep only what the slots drain within a round trip. */
  let scarce = false
  /** Buffer jobs asked for by lease calls in flight. */
  let askedInFlight = 0
  let leaseMs: number | undefined = config.leaseSeconds !== undefined ? config.leaseSeconds * 1000 : undefined
  const estimates = (): PrefetchEstimates => ({ slots: config.concurrency, rttMs: rtt.value, jobMs: jobTime.value, leaseMs })
  const buffer = new PrefetchBuffer({
    renewals,
    release: (job, why, meta) => {
      if (why === "stale") log.info("buffered job waited past half its lease: releasing it unstarted", { job_id: job.id })
      // A release the master did not take leaves the lease with this worker: the job is buffered again
      // (renewed at once, started by the next free slot) rather than dropped, which would strand it
      // until its lease expires (an hour with the master's default).
      release(job, undefined, why, why === "shutdown" ? undefined : () => {
        if (state !== "running") return
        log.warn("release failed; keeping the job buffered", { job_id: job.id })
        buffer.add(job, { ...meta, delayMs: 0 })
        Queue.offerUnsafe(wake, undefined)
      })
    },
    onLost: (job) => {
      counts.lost++
      log.info("lease lost on a buffered job; dropping it", { job_id: job.id, type: job.type })
      emit({ type: "lease:lost", job, during: "renew" })
      Queue.offerUnsafe(wake, undefined)
    }
  })

  /** A job taken from the buffer goes into the slot with its lease timing, renewal and renewed expiry. */
  const putInSlot = (slot: Slot, entry: Buffered) => {
    slot.job = entry.job
    slot.meta = entry.meta
    slot.renewal = entry.renewal
    slot.expiresAt = entry.expiresAt
  }

  /**
   * Starts the oldest fresh buffered job in an idle (or `reserved`: leasing) slot; false when the buffer
   * has none. The caller says which: inside the slot's own entry action its snapshot is not yet updated.
   */
  const startFromBuffer = (slot: Slot, reserved = false): boolean => {
    const entry: Buffered | null = buffer.take()
    if (!entry) return false
    putInSlot(slot, entry)
    // START from idle (one event); a slot reserved for a lease call still in flight takes it as that call's ASSIGN.
    slot.actor.send(reserved ? { type: "ASSIGN", job: entry.job } : { type: "START", job: entry.job })
    return true
  }
  const stateOf = (slot: Slot): string => {
    const snapshot = slot.actor.getSnapshot()
    return snapshot.status === "error" ? "crashed" : String(snapshot.value)
  }

  const renewListener = (slot: Slot): RenewListener => ({
    onRenewed: (job, expiresAt) => {
      if (slot.job === job) slot.expiresAt = expiresAt
    },
    onLost: (job) => {
      if (slot.job !== job) return
      counts.lost++
      log.info("lease lost; aborting the handler", { job_id: job.id, type: job.type })
      emit({ type: "lease:lost", job, during: "renew" })
      slot.actor.send({ type: "LEASE_LOST" })
    }
  })

  /**
   * Hands an outcome to the outbox: the next lease call carries it (one round trip reports and
   * refills), or it goes alone after the ack window. The slot is free as soon as the outbox holds the
   * outcome; the pool tracks the pending acks and `stop()` waits for them.
   */
  const report = (job: LeasedJob, outcome: Outcome) => {
    pendingAcks++
    reporter.offer(ackItem(job.id, job.lease_token, outcome), (exit) => {
          pendingAcks--
          if (exit._tag === "Success" && exit.value.ok) {
            if (outcome.outcome === "completed") {
              counts.completed++
              emit({ type: "job:completed", job, result: outcome.result })
            } else {
              counts.failed++
              emit({ type: "job:failed", job, error: outcome.error })
            }
          } else if (exit._tag === "Success" && exit.value.error?.code === "lease_lost") {
            counts.lost++
            log.info("outcome refused: lease lost", { job_id: job.id })
            emit({ type: "lease:lost", job, during: "ack" })
          } else {
            const error = exit._tag === "Success" ? exit.value.error?.message : String(exit.cause)
            log.error("could not report an outcome; the lease will expire", { job_id: job.id, error })
          }
    })
  }

  const release = (job: LeasedJob, actor?: Actor<typeof SlotMachine>, why?: string, onFailed?: () => void) => {
    pendingReleases++
    Effect.runFork(
      client.release(job.id, { worker_id: config.workerId, lease_token: job.lease_token }).pipe(
        Effect.retry({ schedule: backoffSchedule(backoff), times: 8, while: isTransient }),
        Effect.timeoutOption(RELEASE_GRACE_MS),
        Effect.exit,
        Effect.map((exit) => {
          pendingReleases--
          if (exit._tag === "Success" && exit.value._tag === "Some") {
            counts.released++
            emit({ type: "job:released", job })
            log.info("job released", why ? { job_id: job.id, unstarted: why } : { job_id: job.id })
          } else if (onFailed) {
            onFailed()
          } else {
            log.warn("release failed; the lease will expire", { job_id: job.id })
          }
          actor?.send({ type: "RELEASED" })
        })
      )
    )
  }

  const clearJob = (slot: Slot) => {
    slot.renewal?.cancel()
    slot.renewal = null
    slot.job = null
    slot.meta = null
    slot.controller = null
    slot.outcome = null
  }

  /** Runs a job's handler and answers HANDLER_DONE to its slot; never rejects: a throw is a failed outcome. */
  const runJob = async (slot: Slot, job: LeasedJob, self: SlotRef): Promise<void> => {
    const handler = config.handlers[job.type]
    let outcome: Outcome
    if (!handler) outcome = { outcome: "failed", error: { message: `no handler for type ${job.type}` }, retryable: false }
    else {
      const startedAt = performance.now()
      try {
        const result = (await handler(job, handlerContext(slot, job))) ?? null
        JSON.stringify(result)
        outcome = { outcome: "completed", result }
      } catch (error) {
        outcome = failedOutcome(error)
      }
      jobTime.add(performance.now() - startedAt)
    }
    if (slot.job === job) slot.outcome = outcome
    const snapshot = self.getSnapshot()
    if (snapshot.status !== "active") return
    // The slot's next job straight from the buffer, in the same event (see SlotMachine): only for a slot
    // that will report (not lost) and go on (not stopping), while the pool runs.
    const ctx = snapshot.context
    const next = state === "running" && !ctx.lost && !ctx.stopping && slot.job === job && buffer.size > 0 ? buffer.take() : null
    slot.next = next
    self.send(next ? { type: "HANDLER_DONE", outcome, next: true } : { type: "HANDLER_DONE", outcome })
  }

  const handlerContext = (slot: Slot, job: LeasedJob): HandlerContext => {
    const controller = slot.controller ?? new LazyAbort()
    slot.controller = controller
    return {
      get signal() {
        return controller.signal
      },
      lease: {
        token: job.lease_token,
        get expiresAt() {
          return slot.job === job ? slot.expiresAt : job.lease_expires_at
        }
      },
      attempt: job.attempts,
      idempotencyKey: job.idempotency_key,
      workerId: config.workerId,
      log,
      workflow: workflowContext(job)
    }
  }

  /** `ctx.workflow` of a workflow job: `add` posts under the job's own lease (409 lease_lost once it is gone). */
  const workflowContext = (job: LeasedJob): HandlerWorkflow | null => {
    if (!job.workflow) return null
    const { id, key } = job.workflow
    return {
      id,
      key,
      dependencies: job.dependencies ?? {},
      add: async (jobs) => {
        if (!client.addWorkflowJobs) throw new Error("this master client cannot add workflow jobs")
        const answer = await Effect.runPromise(
          client.addWorkflowJobs(id, { jobs, worker_id: config.workerId, lease_token: job.lease_token, job_id: job.id })
        )
        return answer.jobs
      }
    }
  }

  const onSlotState = config.onSlotState
  const machineFor = (slot: Slot) =>
    SlotMachine.provide({
      actions: {
        entered: (_, params) => onSlotState?.(slot.index, params.state as SlotState),
        slotFree: () => {
          onSlotState?.(slot.index, "idle")
          if (state === "running" && buffer.size > 0) startFromBuffer(slot)
          Queue.offerUnsafe(wake, undefined)
        },
        jobStarted: ({ event, self }) => {
          onSlotState?.(slot.index, "running")
          // ASSIGN and START carry the job; after HANDLER_DONE with `next`, startNext put it in the slot.
          const job = event.type === "ASSIGN" || event.type === "START" ? event.job : slot.job
          if (!job) throw new Error("slot entered running without a job")
          slot.job = job
          slot.outcome = null
          slot.controller = new LazyAbort()
          counts.started++
          const meta = slot.meta
          // A job from the buffer keeps its renew schedule and its renewed expiry.
          if (slot.renewal) slot.renewal.moveTo(slot.listener)
          else {
            slot.expiresAt = job.lease_expires_at
            if (meta) slot.renewal = renewals.track(job, meta.delayMs, Math.max(1, Math.floor(meta.fraction * meta.durationMs)), slot.listener)
          }
          emit({ type: "job:started", job })
          void runJob(slot, job, self)
        },
        abortHandler: () => slot.controller?.abort(new Error("lease lost or shutdown timeout")),
        report: ({ event }) => {
          const job = slot.job
          if (job) report(job, (event as { readonly outcome: Outcome }).outcome)
          clearJob(slot)
        },
        startNext: () => {
          const entry = slot.next
          slot.next = null
          if (!entry) throw new Error("HANDLER_DONE with next but no job taken")
          putInSlot(slot, entry)
          // The buffer shrank: the lease loop may refill it (as a freed slot would have woken it).
          Queue.offerUnsafe(wake, undefined)
        },
        release: () => {
          const job = slot.job
          if (job) release(job, slot.actor)
          else slot.actor.send({ type: "RELEASED" })
        },
        jobDone: () => clearJob(slot)
      }
    })

  const spawn = (slot: Slot) => {
    const actor = createActor(machineFor(slot), { input: { slot: slot.index } })
    slot.actor = actor
    actor.subscribe({ error: (error) => queueMicrotask(() => onCrash(slot, actor, error)) })
    actor.start()
    if (state === "stopping" || state === "stopped") actor.send({ type: "STOP" })
  }

  const onCrash = (slot: Slot, actor: Actor<typeof SlotMachine>, error: unknown) => {
    if (slot.actor !== actor) return
    counts.crashed++
    log.error("slot actor crashed; restarting it", { slot: slot.index, error: String(error) })
    emit({ type: "slot:crashed", slot: slot.index, error })
    const job = slot.job
    const outcome = slot.outcome
    const next = slot.next
    slot.next = null
    slot.controller?.abort(new Error("slot crashed"))
    clearJob(slot)
    if (job && outcome) report(job, outcome)
    else if (job) release(job)
    // A buffered job taken for this slot but not started: give it back to the master.
    if (next) {
      next.renewal.cancel()
      release(next.job)
    }
    spawn(slot)
  }

  /**
   * Hands a lease answer out: reserved slots first, then the buffer (idle slots take from it at once).
   * A short answer (fewer jobs than asked) marks the pool scarce and releases the buffered surplus
   * over what the slots drain within a round trip (Prefetch.ts: buffer only out of plenty).
   */
  const assign = (reserved: ReadonlyArray<Slot>, jobs: ReadonlyArray<LeasedJob>, serverNow: string, asked: number) => {
    // Jobs of one answer mostly share their expiry and renew hint: their timing is computed once.
    let meta: LeaseMeta | null = null
    let metaFor: LeasedJob | null = null
    // Older buffered jobs start first: with a buffer, new jobs queue behind it.
    const direct = buffer.size === 0
    jobs.forEach((job, i) => {
      if (!meta || !metaFor || metaFor.lease_expires_at !== job.lease_expires_at || metaFor.renew_after !== job.renew_after) {
        meta = renewDelayMs({
          serverNow,
          leaseExpiresAt: job.lease_expires_at,
          renewAfter: job.renew_after,
          renewAt: config.renewAt
        })
        metaFor = job
        leaseMs = meta.durationMs
      }
      const slot = direct ? reserved[i] : undefined
      if (slot && stateOf(slot) === "leasing") {
        slot.job = job
        slot.meta = meta
        slot.actor.send({ type: "ASSIGN", job })
      } else if (state === "running") {
        buffer.add(job, meta)
        counts.prefetched++
      } else release(job)
    })
    // Buffered jobs go to every slot that waits: idle ones, and those reserved by this or another call
    // still in flight (that call's jobs then queue in the buffer instead of a slot waiting on a long-poll).
    if (buffer.size > 0) {
      for (const slot of slots) {
        if (buffer.size === 0) break
        const st = stateOf(slot)
        if (st === "idle" || st === "leasing") startFromBuffer(slot, st === "leasing")
      }
    }
    for (const slot of reserved) if (stateOf(slot) === "leasing") slot.actor.send({ type: "UNRESERVE" })
    scarce = !isFull(asked, jobs.length)
    if (scarce && buffer.size > 0) buffer.trimTo(bufferTarget(prefetch, true, estimates()))
  }

  const maxInFlight = Math.max(1, config.maxLeasesInFlight ?? DEFAULT_MAX_LEASES_IN_FLIGHT)
  let leasesInFlight = 0
  let pausedUntil = 0

  /**
   * One lease call for `reserved` slots plus `asked - reserved.length` jobs for the buffer, carrying
   * the outcomes waiting in the outbox; its answer is handed out by `assign`. A call that carries
   * outcomes or fills only the buffer does not long-poll: it comes back at once (and measures the
   * round trip).
   */
  const leaseFor = (reserved: ReadonlyArray<Slot>, asked: number) =>
    Effect.suspend(() => leaseCarrying(reserved, asked, reporter.take(MAX_ACKS_ON_LEASE)))
  const leaseCarrying = (reserved: ReadonlyArray<Slot>, asked: number, carried: CarriedAcks | null) => {
    const unreserve = () => {
      carried?.giveBack()
      for (const slot of reserved) if (stateOf(slot) === "leasing") slot.actor.send({ type: "UNRESERVE" })
    }
    const waitMs = carried || reserved.length === 0 ? 0 : (config.waitMs ?? DEFAULT_WAIT_MS)
    const forBuffer = asked - reserved.length
    const sentAt = performance.now()
    return Effect.uninterruptibleMask((restore) =>
      restore(
        client
          .lease({
            worker_id: config.workerId,
            queues: config.queues ? [...config.queues] : ["default"],
            types,
            max_jobs: asked,
            wait_ms: waitMs,
            ...(carried ? { acks: carried.items } : {}),
            ...(config.leaseSeconds !== undefined ? { lease_seconds: config.leaseSeconds } : {}),
            ...(config.requestedBatchSize !== undefined ? { requested_batch_size: config.requestedBatchSize } : {})
          })
          .pipe(retryTransient(backoff, onRetry))
      ).pipe(
        Effect.onInterrupt(() => Effect.sync(unreserve)),
        Effect.result,
        Effect.map((answer) => {
          if (answer._tag === "Success") {
            const got = answer.success.jobs.length
            const sample = rttSample({ waitMs, asked, got, ms: performance.now() - sentAt })
            if (sample !== null) rtt.add(sample)
            carried?.settle(answer.success.acks)
            assign(reserved, answer.success.jobs, answer.success.server_now, asked)
            return
          }
          log.error("lease rejected by the master", { error: answer.failure.message, status: answer.failure.status })
          pausedUntil = Date.now() + backoff.capMs
          unreserve()
        })
      )
    ).pipe(
      Effect.ensuring(
        Effect.sync(() => {
          carried?.giveBack()
          leasesInFlight--
          askedInFlight -= forBuffer
          Queue.offerUnsafe(wake, undefined)
        })
      )
    )
  }

  /**
   * Leases for every idle slot the moment the loop sees them, plus what the buffer lacks, without
   * waiting for calls already in flight (up to `maxInFlight`). Idle slots are not split among several
   * calls: measured, two half-size calls cost the master and the worker more than they gain by
   * overlapping. While scarce, only free slots trigger a call: a call for the buffer alone would find
   * the master as dry as the last one did.
   */
  const leaseLoop = Effect.gen(function* () {
    while (true) {
      yield* Queue.take(wake)
      const pause = pausedUntil - Date.now()
      if (pause > 0) yield* Effect.sleep(pause)
      if (leasesInFlight >= maxInFlight) continue
      const free = slots.filter((s) => stateOf(s) === "idle" && !(buffer.size > 0 && startFromBuffer(s)))
      if (free.length === 0 && scarce) continue
      const e = estimates()
      const target = bufferTarget(prefetch, scarce, e)
      const asked = leaseSize({ freeSlots: free.length, buffered: buffer.size, askedInFlight, target, probe: wantsProbe(prefetch, scarce, e) })
      if (asked === 0) continue
      for (const slot of free) slot.actor.send({ type: "RESERVE" })
      const reserved = free.filter((s) => stateOf(s) === "leasing")
      const size = asked - free.length + reserved.length
      if (size === 0) continue
      askedInFlight += size - reserved.length
      leasesInFlight++
      yield* Effect.forkChild(leaseFor(reserved, size))
      Queue.offerUnsafe(wake, undefined)
    }
  })

  const waitAllStopped = (timeoutMs: number) =>
    Effect.gen(function* () {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        if (slots.every((s) => stateOf(s) === "stopped")) return true
        yield* Effect.sleep(10)
      }
      return slots.every((s) => stateOf(s) === "stopped")
    })

  let leaseFiber: Fiber.Fiber<never, never> | null = null
  let renewFiber: Fiber.Fiber<never, never> | null = null
  let stopping: Promise<void> | null = null

  return {
    start: () => {
      if (state !== "created") return
      state = "running"
      for (let index = 0; index < config.concurrency; index++) {
        const slot = { index, job: null, meta: null, controller: null, renewal: null, expiresAt: "", outcome: null, next: null } as unknown as Slot
        slot.listener = renewListener(slot)
        slots.push(slot)
        spawn(slot)
      }
      renewFiber = Effect.runFork(renewals.run)
      Queue.offerUnsafe(wake, undefined)
      leaseFiber = Effect.runFork(leaseLoop)
      log.info("worker pool started", { worker_id: config.workerId, concurrency: config.concurrency, types })
    },
    stop: () => {
      if (stopping) return stopping
      const wasRunning = state === "running"
      state = "stopping"
      stopping = Effect.runPromise(
        Effect.gen(function* () {
          if (leaseFiber) yield* Fiber.interrupt(leaseFiber)
          // A lease call interrupted before its fiber ran never unreserved its slots: free them here.
          for (const slot of slots) if (stateOf(slot) === "leasing") slot.actor.send({ type: "UNRESERVE" })
          const unstarted = buffer.releaseAll()
          if (unstarted > 0) log.info("shutdown: releasing buffered jobs unstarted", { count: unstarted })
          for (const slot of slots) slot.actor.send({ type: "STOP" })
          const timeoutMs = config.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS
          if (wasRunning && !(yield* waitAllStopped(timeoutMs))) {
            log.warn("shutdown timeout: aborting and releasing running jobs", { timeout_ms: timeoutMs })
            for (const slot of slots) slot.actor.send({ type: "SHUTDOWN_TIMEOUT" })
            yield* waitAllStopped(RELEASE_GRACE_MS)
          }
          reporter.flush()
          const ackDeadline = Date.now() + RELEASE_GRACE_MS
          while ((pendingAcks > 0 || pendingReleases > 0) && Date.now() < ackDeadline) yield* Effect.sleep(5)
          for (const slot of slots) {
            slot.renewal?.cancel()
            slot.actor.stop()
          }
          if (renewFiber) yield* Fiber.interrupt(renewFiber)
          yield* reporter.close
          yield* renewer.close
          state = "stopped"
          const rttMs = rtt.value
          const jobMs = jobTime.value
          log.info("worker pool stopped", {
            worker_id: config.workerId,
            ...counts,
            prefetch: prefetch,
            rtt_ms: Number.isFinite(rttMs) ? rttMs : null,
            job_ms: Number.isFinite(jobMs) ? jobMs : null
          })
        })
      )
      return stopping
    },
    status: () => ({
      workerId: config.workerId,
      state,
      concurrency: config.concurrency,
      inFlight: slots.filter((s) => {
        const st = stateOf(s)
        return st === "running" || st === "stopping"
      }).length,
      slots: slots.map((s) => ({ slot: s.index, state: stateOf(s), jobId: s.job?.id ?? null })),
      buffered: buffer.status(),
      prefetch: { setting: prefetch, target: bufferTarget(prefetch, scarce, estimates()), scarce, rttMs: rtt.value, jobMs: jobTime.value },
      counts: { ...counts }
    })
  }
}
