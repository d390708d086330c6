// The leader's services in one layer: given Storage (started, READY), a ClusterManager and the
// SchedulerLifecycle, it builds the StateManager, placement (offers, task scheduler, preemptor,
// maintenance), reconciliation, the lifecycle subscribers, cluster event ingestion and snapshots.
import { Context, Effect, Layer, Schedule } from "effect"
import type { HostAttributes } from "../../domain/model/index.ts"
import { OfferDriverFromClusterManager } from "../../services/ClusterManager.ts"
import { OfferManager } from "../../services/OfferManager.ts"
import { PlacementState } from "../../services/PlacementState.ts"
import { SchedulerLifecycle } from "../../services/SchedulerLifecycle.ts"
import { StateManager } from "../../services/StateManager.ts"
import { MaintenanceControllerLive } from "../placement/MaintenanceControllerLive.ts"
import { OfferManagerLive } from "../placement/OfferManagerLive.ts"
import { PreemptorLive } from "../placement/PreemptorLive.ts"
import { TaskSchedulerLive } from "../placement/TaskSchedulerLive.ts"
import { snapshotEvery } from "../storage/durable.ts"
import { type ClusterEventsHandle, startClusterEvents } from "./clusterEvents.ts"
import { outstandingOffers, setGauge } from "./metrics.ts"
import { makePlacementState } from "./PlacementStateLive.ts"
import { makeStateManager } from "./StateManagerLive.ts"
import {
  DEFAULT_LEADER_SETTINGS,
  type LeaderSettings,
  lifecycleSettings,
  maintenanceSettings,
  offerManagerSettings,
  preemptorSettings,
  reconciliationSettings,
  taskSchedulerSettings
} from "./settings.ts"
import { startLifecycleSubscribers } from "./subscribers.ts"
import { TaskReconcilerLive } from "./TaskReconcilerLive.ts"
import { makeTimers } from "./timers.ts"

/** What the lifecycle needs from the running leader services. */
export interface LeaderServicesShape extends ClusterEventsHandle {
  readonly settings: LeaderSettings
  /** Timers armed (timeouts, kill retries, pruning ...), for diagnostics and tests. */
  readonly pendingTimers: () => number
}

export class LeaderServices extends Context.Tag("aurora/LeaderServices")<
  LeaderServices,
  LeaderServicesShape
>() {}

class HostAttributesSaver extends Context.Tag("aurora/scheduler/HostAttributesSaver")<
  HostAttributesSaver,
  (all: ReadonlyArray<HostAttributes>) => Effect.Effect<void>
>() {}

const coreLayer = (s: LeaderSettings) =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const stateManager = yield* makeStateManager({
        schedulerHost: s.schedulerHost,
        settings: lifecycleSettings(s)
      })
      const placement = yield* Effect.provideService(makePlacementState, StateManager, stateManager)
      return Context.make(StateManager, stateManager).pipe(
        Context.add(PlacementState, placement.shape),
        Context.add(HostAttributesSaver, placement.saveHostAttributesAll)
      )
    })
  )

const runtimeLayer = (s: LeaderSettings) =>
  Layer.scoped(
    LeaderServices,
    Effect.gen(function* () {
      const stateManager = yield* StateManager
      const lifecycle = yield* SchedulerLifecycle
      const timers = yield* makeTimers()
      // Subscribe before anything is published, so no event (startup ones included) is missed.
      const events = yield* stateManager.subscribe
      yield* startLifecycleSubscribers(events, lifecycleSettings(s), timers)
      const handle = yield* startClusterEvents({
        maxStatusUpdateBatchSize: s.maxStatusUpdateBatchSize,
        saveHostAttributes: yield* HostAttributesSaver
      })
      const initialized = yield* stateManager.publishInitialized
      yield* Effect.logInfo(`leader services started; ${initialized} stored tasks replayed`)

      // Periodic snapshots (-dlog_snapshot_interval); a failed one ends leadership.
      yield* Effect.forkScoped(
        snapshotEvery(s.dlogSnapshotIntervalMs).pipe(
          Effect.catchAll((e) =>
            Effect.zipRight(
              Effect.logError(`snapshot failed: ${e.message}`),
              e._tag === "StorageWriteFailed" ? lifecycle.shutdown(e.message) : Effect.void
            )
          )
        )
      )
      // outstanding_offers also changes as held offers expire: refresh it now and then.
      const offers = yield* OfferManager
      yield* Effect.forkScoped(
        Effect.repeat(
          Effect.flatMap(offers.stats, (st) => Effect.sync(() => setGauge(outstandingOffers, st.held))),
          Schedule.spaced(30_000)
        )
      )
      return { ...handle, settings: s, pendingTimers: timers.pending } satisfies LeaderServicesShape
    })
  )

/**
 * Every leader-only service, for the lifecycle to build once storage is READY (a Layer, so the
 * program can `Layer.buildWithScope` it and hand the context to the API handlers). Outputs
 * StateManager, PlacementState, TaskScheduler, Preemptor, MaintenanceController, TaskReconciler,
 * OfferManager, OfferDriver and LeaderServices (registration signal).
 */
export const leaderServicesLayer = (overrides: Partial<LeaderSettings> = {}) => {
  const s: LeaderSettings = { ...DEFAULT_LEADER_SETTINGS, ...overrides }
  const placement = TaskSchedulerLive(taskSchedulerSettings(s)).pipe(
    Layer.provideMerge(
      Layer.merge(PreemptorLive(preemptorSettings(s)), MaintenanceControllerLive(maintenanceSettings(s)))
    ),
    Layer.provideMerge(OfferManagerLive(offerManagerSettings(s))),
    Layer.provideMerge(OfferDriverFromClusterManager),
    Layer.provideMerge(coreLayer(s))
  )
  const services = Layer.merge(placement, TaskReconcilerLive(reconciliationSettings(s)))
  return runtimeLayer(s).pipe(Layer.provideMerge(services))
}

/** The same as a scoped Effect: builds the layer in the current scope and returns its context. */
export const startLeaderServices = (overrides: Partial<LeaderSettings> = {}) =>
  Effect.flatMap(Effect.scope, (scope) => Layer.buildWithScope(leaderServicesLayer(overrides), scope))
