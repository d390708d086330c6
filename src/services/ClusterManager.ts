import { Context, Effect, Layer, Schema, type Stream } from "effect"
import type { MesosTaskState } from "../domain/lifecycle/mesos.ts"
import { Offer } from "../domain/placement/index.ts"
import { type LaunchSpec, OfferDriver, OfferLaunchFailed } from "./OfferDriver.ts"

/** A task status update as the scheduler receives it (Mesos TaskStatus, trimmed). */
export const TaskStatusUpdate = Schema.Struct({
  taskId: Schema.String,
  /** A Mesos TaskState name (`TASK_RUNNING` ...), see domain/lifecycle/mesos.ts. */
  state: Schema.String,
  message: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String),
  source: Schema.optional(Schema.String),
  agentId: Schema.optional(Schema.String),
  /** Epoch milliseconds. */
  timestamp: Schema.Number,
  /** Base64; present when the update must be acknowledged. */
  uuid: Schema.optional(Schema.String)
})
export type TaskStatusUpdate = typeof TaskStatusUpdate.Type

/** Scheduler events, modelled on the Mesos v1 scheduler API's Event types. */
export type ClusterEvent =
  | { readonly _tag: "Subscribed"; readonly frameworkId: string; readonly heartbeatIntervalMs: number }
  | { readonly _tag: "Offers"; readonly offers: ReadonlyArray<Offer> }
  | { readonly _tag: "Rescind"; readonly offerId: string }
  | { readonly _tag: "Update"; readonly status: TaskStatusUpdate }
  | {
      readonly _tag: "Failure"
      readonly agentId: string
      readonly executorId?: string
      readonly exitStatus?: number
    }
  | { readonly _tag: "Error"; readonly message: string }
  | { readonly _tag: "Disconnected"; readonly reason: string }

export class ClusterCallFailed extends Schema.TaggedError<ClusterCallFailed>()("ClusterCallFailed", {
  call: Schema.String,
  reason: Schema.String
}) {}

export class ClusterNotSubscribed extends Schema.TaggedError<ClusterNotSubscribed>()("ClusterNotSubscribed", {
  call: Schema.String
}) {}

export type ClusterError = ClusterCallFailed | ClusterNotSubscribed

export interface ReconcileTask {
  readonly taskId: string
  readonly agentId?: string
}

export interface ClusterManagerShape {
  /**
   * Every event since the layer started, for ONE consumer (events are buffered until read). The
   * manager (re-)subscribes by itself, emitting `Subscribed` each time (reconcile after each one:
   * offers and unacknowledged state from before are void) and `Disconnected` when the stream drops.
   */
  readonly events: Stream.Stream<ClusterEvent>
  readonly frameworkId: Effect.Effect<string | undefined>
  readonly decline: (
    offerIds: ReadonlyArray<string>,
    refuseSeconds: number
  ) => Effect.Effect<void, ClusterError>
  readonly launch: (
    offer: Offer,
    task: LaunchSpec,
    refuseSeconds: number
  ) => Effect.Effect<void, ClusterError>
  readonly kill: (taskId: string, agentId?: string) => Effect.Effect<void, ClusterError>
  /** Explicit for the given tasks; an empty list asks for every task the cluster knows (implicit). */
  readonly reconcile: (tasks: ReadonlyArray<ReconcileTask>) => Effect.Effect<void, ClusterError>
  /** Acknowledges an update carrying a uuid (updates without one need none). */
  readonly acknowledge: (update: TaskStatusUpdate) => Effect.Effect<void, ClusterError>
  /** Removes the framework: every task is killed. */
  readonly teardown: Effect.Effect<void, ClusterError>
}

export class ClusterManager extends Context.Tag("ClusterManager")<ClusterManager, ClusterManagerShape>() {}

export const isTerminalMesosState = (state: string): boolean => TERMINAL_MESOS.has(state as MesosTaskState)

const TERMINAL_MESOS: ReadonlySet<MesosTaskState> = new Set([
  "TASK_FINISHED",
  "TASK_FAILED",
  "TASK_KILLED",
  "TASK_ERROR",
  "TASK_LOST",
  "TASK_DROPPED",
  "TASK_GONE",
  "TASK_GONE_BY_OPERATOR"
])

/** The OfferDriver placement uses, provided by any ClusterManager (refusals in ms there, s here). */
export const OfferDriverFromClusterManager = Layer.effect(
  OfferDriver,
  Effect.map(ClusterManager, (cm) => ({
    decline: (offerId: string, refuseMs: number) =>
      cm
        .decline([offerId], refuseMs / 1000)
        .pipe(Effect.catchAll((e) => Effect.logWarning(`decline ${offerId} failed: ${e._tag}`))),
    launch: (offer: Offer, task: LaunchSpec, refuseMs: number) =>
      cm.launch(offer, task, refuseMs / 1000).pipe(
        Effect.mapError(
          (e) =>
            new OfferLaunchFailed({
              offerId: offer.id,
              reason: e._tag === "ClusterCallFailed" ? e.reason : e._tag
            })
        )
      )
  }))
)

export { Offer }
