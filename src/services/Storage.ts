// Scheduler storage (api-storage-security.md §2): in-memory stores written ahead to the replicated log.
// read(fn) runs fn against the stores; write(fn) lets fn plan ops from the current stores, appends them
// to the log as one transaction, and only then applies them. A failed append applies nothing.
import { Context, type Effect, Schema, type Stream } from "effect"
import type { TaskQuery } from "../domain/model/index.ts"
import type { ScheduledTask } from "../domain/model/task.ts"
import type { Op, StoresView } from "../domain/storage/index.ts"

export type StorageState = "CONSTRUCTED" | "PREPARED" | "READY" | "STOPPED"

/** "Storage is not READY" (surfaced to API callers as ERROR_TRANSIENT). */
export class StorageNotReady extends Schema.TaggedError<StorageNotReady>()("StorageNotReady", {
  state: Schema.String,
  message: Schema.String
}) {}

/** The log refused or timed out: nothing was applied, and storage stops (a new leader recovers from the log). */
export class StorageWriteFailed extends Schema.TaggedError<StorageWriteFailed>()("StorageWriteFailed", {
  message: Schema.String
}) {}

export class StorageRecoveryFailed extends Schema.TaggedError<StorageRecoveryFailed>()(
  "StorageRecoveryFailed",
  {
    message: Schema.String
  }
) {}

export class BackupFailed extends Schema.TaggedError<BackupFailed>()("BackupFailed", {
  message: Schema.String
}) {}

export interface WriteWork<A> {
  readonly ops: ReadonlyArray<Op>
  readonly value: A
}
/** Shorthand for a write that only returns its ops. */
export const opsOnly = (...ops: ReadonlyArray<Op>): WriteWork<void> => ({ ops, value: undefined })

export interface AppliedChange {
  readonly position: number
  readonly ops: ReadonlyArray<Op>
}

export interface StagedRecovery {
  readonly list: Effect.Effect<ReadonlyArray<string>, BackupFailed>
  /** Loads a backup beside the live stores. */
  readonly stage: (name: string) => Effect.Effect<void, BackupFailed>
  readonly query: (q: TaskQuery) => Effect.Effect<ReadonlyArray<ScheduledTask>, BackupFailed>
  readonly deleteTasks: (q: TaskQuery) => Effect.Effect<number, BackupFailed>
  /** Writes the staged backup to the log as the new content and stops storage (the next start recovers it). */
  readonly commit: Effect.Effect<void, BackupFailed | StorageWriteFailed | StorageNotReady>
  readonly unload: Effect.Effect<void, BackupFailed>
}

export interface StorageShape {
  readonly state: Effect.Effect<StorageState>
  /** Recovers from the log (last snapshot + later transactions) and becomes READY. */
  readonly start: Effect.Effect<void, StorageRecoveryFailed>
  readonly stop: Effect.Effect<void>
  readonly read: <A>(fn: (stores: StoresView) => A) => Effect.Effect<A, StorageNotReady>
  readonly write: <A>(
    fn: (stores: StoresView) => WriteWork<A>
  ) => Effect.Effect<A, StorageNotReady | StorageWriteFailed>
  /** Writes a snapshot to the log, truncates before it, and makes a backup when one is due. */
  readonly snapshot: Effect.Effect<{ readonly position: number }, StorageNotReady | StorageWriteFailed>
  /** Writes a backup now (not to the log); returns its file name. */
  readonly backupNow: Effect.Effect<string, StorageNotReady | BackupFailed>
  readonly recovery: StagedRecovery
  /** Every transaction applied after start, in log order. */
  readonly changes: Stream.Stream<AppliedChange>
}

export class Storage extends Context.Tag("aurora/Storage")<Storage, StorageShape>() {}
