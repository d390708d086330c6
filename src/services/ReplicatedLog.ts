// The replicated log the scheduler writes ahead to (replicated-log.md): a Multi-Paxos log of opaque
// byte entries. Reads are local (learned entries of this member's replica).
import { Context, type Effect, Schema, type Stream } from "effect"
import type { ReplicaStatus } from "../domain/paxos/index.ts"

export interface LogEntry {
  readonly position: number
  readonly data: Uint8Array
}

export interface LogPosition {
  /** First position still held (everything below was truncated). */
  readonly begin: number
  /** Last learned position in order (begin - 1 when empty). */
  readonly end: number
}

export type LogEvent =
  | { readonly _tag: "Elected"; readonly ballot: number }
  /** Another coordinator exists: the leading scheduler must treat this as loss of leadership. */
  | { readonly _tag: "Demoted"; readonly ballot: number; readonly by: number }
  | { readonly _tag: "StatusChanged"; readonly status: ReplicaStatus }

export class LogNotVoting extends Schema.TaggedError<LogNotVoting>()("LogNotVoting", {
  status: Schema.String,
  message: Schema.String
}) {}

export class LogCoordinatorDemoted extends Schema.TaggedError<LogCoordinatorDemoted>()(
  "LogCoordinatorDemoted",
  {
    message: Schema.String
  }
) {}

export class LogWriteTimeout extends Schema.TaggedError<LogWriteTimeout>()("LogWriteTimeout", {
  message: Schema.String
}) {}

export class LogStorageFailed extends Schema.TaggedError<LogStorageFailed>()("LogStorageFailed", {
  message: Schema.String
}) {}

export type LogAppendError = LogNotVoting | LogCoordinatorDemoted | LogWriteTimeout | LogStorageFailed

export const notVotingMessage = (status: ReplicaStatus) =>
  status === "EMPTY"
    ? "Replica in EMPTY status: the log replica is not initialized. Initialize a new cluster's replicas with `aurora-scheduler log initialize --path DIR`, or start enough VOTING replicas for this one to recover from."
    : `Replica in ${status} status cannot write yet; storage is not READY.`

export interface ReplicatedLogShape {
  /** Appends a batch (one position per entry, consecutive) and resolves once a quorum holds it durably. */
  readonly append: (
    entries: ReadonlyArray<Uint8Array>
  ) => Effect.Effect<ReadonlyArray<number>, LogAppendError>
  /** Learned entries in [from, to] held locally, in order; truncated and no-op positions are skipped. */
  readonly read: (from: number, to: number) => Effect.Effect<ReadonlyArray<LogEntry>>
  /** Appends "truncate before `position`"; replicas drop earlier positions once it is learned. */
  readonly truncate: (position: number) => Effect.Effect<void, LogAppendError>
  readonly position: Effect.Effect<LogPosition>
  readonly status: Effect.Effect<ReplicaStatus>
  /** Elections, demotions and replica status changes of this member. */
  readonly events: Stream.Stream<LogEvent>
}

export class ReplicatedLog extends Context.Tag("aurora/ReplicatedLog")<ReplicatedLog, ReplicatedLogShape>() {}
