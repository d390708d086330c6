// The single consumer of ClusterManager.events (Aurora's MesosCallbackHandler): registration,
// offers, rescinds, status updates (handed to the batching status handler), agent loss and errors.
import { Deferred, Effect, Queue, type Scope, Stream } from "effect"
import type { HostAttributes } from "../../domain/model/index.ts"
import { offerHostAttributes } from "../../domain/placement/index.ts"
import { type ClusterEvent, ClusterManager, type TaskStatusUpdate } from "../../services/ClusterManager.ts"
import { OfferManager } from "../../services/OfferManager.ts"
import { SchedulerLifecycle } from "../../services/SchedulerLifecycle.ts"
import { opsOnly, Storage, type StorageNotReady, type StorageWriteFailed } from "../../services/Storage.ts"
import { TaskReconciler } from "../../services/TaskReconciler.ts"
import {
  bump,
  frameworkRegistered,
  lostExecutors,
  offersRescinded,
  outstandingOffers,
  schedulerResourceOffers,
  setGauge,
  slavesLost,
  statusUpdatesReceived
} from "./metrics.ts"
import { runStatusHandler } from "./statusUpdates.ts"

export interface ClusterEventsHandle {
  /** Completes at the first `Subscribed` (the lifecycle waits on it for LEADER_AWAITING_REGISTRATION -> ACTIVE). */
  readonly registered: Effect.Effect<void>
  readonly isRegistered: Effect.Effect<boolean>
}

export interface ClusterEventsOptions {
  readonly maxStatusUpdateBatchSize: number
  /** Saves offered hosts' attributes in one write (PlacementStateLive's batched save). */
  readonly saveHostAttributes: (all: ReadonlyArray<HostAttributes>) => Effect.Effect<void>
}

/** Needs ClusterManager, Storage, StateManager, OfferManager, TaskReconciler and SchedulerLifecycle. */
export const startClusterEvents = (options: ClusterEventsOptions) =>
  Effect.gen(function* () {
    const cluster = yield* ClusterManager
    const storage = yield* Storage
    const offers = yield* OfferManager
    const reconciler = yield* TaskReconciler
    const lifecycle = yield* SchedulerLifecycle
    const registered = yield* Deferred.make<void>()
    let isRegistered = false
    const updates = yield* Queue.unbounded<TaskStatusUpdate>()
    yield* Effect.forkScoped(runStatusHandler(updates, options.maxStatusUpdateBatchSize))

    const fatal = (e: StorageNotReady | StorageWriteFailed) =>
      e._tag === "StorageWriteFailed" ? lifecycle.shutdown(e.message) : Effect.logWarning(e.message)

    const countOffers = Effect.flatMap(offers.stats, (s) =>
      Effect.sync(() => setGauge(outstandingOffers, s.held))
    )

    const subscribed = (frameworkId: string) =>
      Effect.gen(function* () {
        const stored = yield* storage.read((s) => s.frameworkId)
        if (stored !== frameworkId)
          yield* storage.write(() => opsOnly({ _tag: "SaveFrameworkId", id: frameworkId }))
        isRegistered = true
        setGauge(frameworkRegistered, 1)
        yield* Deferred.succeed(registered, undefined)
        yield* Effect.logInfo(`registered with framework id ${frameworkId}`)
        // Offers and unacknowledged updates from before are void: ask for the truth, explicitly first.
        yield* Effect.forkScoped(
          reconciler.triggerExplicit().pipe(
            Effect.zipRight(reconciler.triggerImplicit),
            Effect.catchAll((e) => Effect.logWarning(`reconciliation after registration failed: ${e._tag}`))
          )
        )
      }).pipe(Effect.catchAll(fatal))

    const handle = (e: ClusterEvent): Effect.Effect<void, never, Scope.Scope> => {
      switch (e._tag) {
        case "Subscribed":
          return subscribed(e.frameworkId)
        case "Offers":
          return Effect.gen(function* () {
            bump(schedulerResourceOffers, e.offers.length)
            // Offers carry no maintenance mode: leave out NONE so the stored mode is kept.
            yield* options.saveHostAttributes(
              e.offers.map((o) => {
                const { mode: _, ...attrs } = offerHostAttributes(o)
                return attrs
              })
            )
            for (const o of e.offers) yield* offers.add(o)
            yield* countOffers
          })
        case "Rescind":
          bump(offersRescinded)
          return Effect.zipRight(offers.rescind(e.offerId), countOffers)
        case "Disconnected":
          isRegistered = false
          setGauge(frameworkRegistered, 0)
          return Effect.zipRight(
            Effect.logWarning(`disconnected from the cluster: ${e.reason}`),
            Effect.zipRight(offers.driverDisconnected, countOffers)
          )
        case "Update":
          bump(statusUpdatesReceived)
          return Queue.offer(updates, e.status)
        case "Failure":
          if (e.executorId === undefined) {
            bump(slavesLost)
            return Effect.logWarning(`agent ${e.agentId} lost`)
          }
          if (e.exitStatus !== undefined && e.exitStatus !== 0) bump(lostExecutors)
          return Effect.logInfo(`executor ${e.executorId} on ${e.agentId} exited with ${e.exitStatus ?? "?"}`)
        case "Error":
          return Effect.zipRight(
            Effect.logError(`cluster error: ${e.message}`),
            lifecycle.shutdown(`cluster error: ${e.message}`)
          )
      }
    }

    yield* Effect.forkScoped(
      Stream.runForEach(cluster.events, (e) =>
        Effect.catchAllCause(handle(e), (c) => Effect.logError(`handling ${e._tag} failed`, c))
      )
    )
    const handle_: ClusterEventsHandle = {
      registered: Deferred.await(registered),
      isRegistered: Effect.sync(() => isRegistered)
    }
    return handle_
  })
