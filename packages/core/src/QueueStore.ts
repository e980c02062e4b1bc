import type { Effect } from "effect"
import type { QueueSettings } from "@leasehold/contracts"
import type { StoreError } from "./errors.ts"

/** A settings change: an absent field stays, `null` clears. */
export interface QueuePatch {
  readonly maxConcurrency?: number | null | undefined
  readonly rateLimit?: { readonly limit: number; readonly periodMs: number } | null | undefined
  readonly keyConcurrency?: number | null | undefined
}

/**
 * The queue-settings port, beside JobStore: pause and limits live in the database so every master
 * applies them; the job store's lease enforces them.
 */
export interface QueueStoreShape {
  /** Settings of every queue that has a settings row. */
  readonly queueSettingsList: () => Effect.Effect<ReadonlyArray<QueueSettings>, StoreError>
  /** Settings of one queue (defaults when it has none). */
  readonly queueSettingsGet: (p: { readonly name: string }) => Effect.Effect<QueueSettings, StoreError>
  /** Change limits; wakes long-polls on the queue (room may have freed). */
  readonly queueSettingsPatch: (p: { readonly name: string; readonly patch: QueuePatch }) => Effect.Effect<QueueSettings, StoreError>
  /** Pause or resume; resume wakes long-polls on the queue at once. */
  readonly queueSetPaused: (p: { readonly name: string; readonly paused: boolean }) => Effect.Effect<QueueSettings, StoreError>
}
