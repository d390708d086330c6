// Where a replica's Paxos state lives between restarts. `persist` must be durable when it returns.
import type { Effect } from "effect"
import type { Durable, ReplicaState } from "../../domain/paxos/index.ts"
import type { LogStorageFailed } from "../../services/ReplicatedLog.ts"

export type Bytes = Uint8Array

export interface ReplicaStore {
  readonly load: Effect.Effect<ReplicaState<Bytes>, LogStorageFailed>
  /** Writes every record in one transaction (one disk sync for a whole batch of steps). */
  readonly persist: (records: ReadonlyArray<Durable<Bytes>>) => Effect.Effect<void, LogStorageFailed>
  /** `persist` with a plain callback (no fiber per batch), for stores that have one. */
  readonly persistNow?: (
    records: ReadonlyArray<Durable<Bytes>>,
    done: (error?: LogStorageFailed) => void
  ) => void
  /** Persists may be issued before earlier ones finish: they reach the disk, and finish, in call order. */
  readonly ordered?: boolean
}
