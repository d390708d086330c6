// A scheduler for the end-to-end benchmarks, composed as the scheduler program composes its leader:
// durable storage over the given log, recovered; the leader services over a cluster manager; the RPC
// handlers behind the real HTTP server; and a typed SchedulerClient calling it over loopback.
import { Context, Effect, Layer, type Scope, type Stream } from "effect"
import type { LifecycleEvent } from "../src/domain/lifecycle/index.ts"
import type { JobConfiguration } from "../src/domain/model/index.ts"
import { DEFAULT_VALIDATION, type ValidationSettings } from "../src/domain/placement/index.ts"
import { SchedulerApiLive } from "../src/layers/api/index.ts"
import { makeSchedulerHttpServer } from "../src/layers/http/server.ts"
import { leaderServicesLayer } from "../src/layers/scheduler/leader.ts"
import type { LeaderSettings } from "../src/layers/scheduler/settings.ts"
import { makeDurableStorage } from "../src/layers/storage/durable.ts"
import type { ClusterManager } from "../src/services/ClusterManager.ts"
import { OfferManager } from "../src/services/OfferManager.ts"
import type { ReplicatedLogShape } from "../src/services/ReplicatedLog.ts"
import { SchedulerClient, type SchedulerClientShape } from "../src/services/SchedulerClient.ts"
import { SchedulerLifecycle } from "../src/services/SchedulerLifecycle.ts"
import { StateManager } from "../src/services/StateManager.ts"
import { Storage, type StorageShape } from "../src/services/Storage.ts"

export interface BenchScheduler {
  readonly url: string
  readonly storage: StorageShape
  /** The typed RPC client, over HTTP to this scheduler. */
  readonly client: SchedulerClientShape
  /** Offers the leader holds now. */
  readonly offersHeld: Effect.Effect<number>
  /** createJob over HTTP through the typed client; fails unless the answer is OK. */
  readonly createJob: (job: JobConfiguration) => Effect.Effect<void, Error>
  /** Lifecycle events from now on (subscribed before this returns). */
  readonly events: Stream.Stream<LifecycleEvent>
  /** Why the leader asked to shut down, if it did (a failed snapshot or write). */
  readonly shutdowns: ReadonlyArray<string>
}

export const startScheduler = (
  log: ReplicatedLogShape,
  cluster: Layer.Layer<ClusterManager>,
  settings: Partial<LeaderSettings>,
  validation: Partial<ValidationSettings> = {}
): Effect.Effect<BenchScheduler, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const storage = yield* makeDurableStorage(log)
    yield* storage.start
    const shutdowns: Array<string> = []
    const lifecycle = Layer.succeed(SchedulerLifecycle, {
      state: Effect.succeed("ACTIVE" as const),
      leaderStatus: Effect.succeed({ _tag: "Leading" as const }),
      shutdown: (reason) => Effect.sync(() => void shutdowns.push(reason))
    })
    const deps = Layer.mergeAll(Layer.succeed(Storage, storage), cluster, lifecycle)
    const scope = yield* Effect.scope
    const leader = yield* Layer.buildWithScope(
      leaderServicesLayer(settings).pipe(Layer.provideMerge(deps)),
      scope
    )
    const events = yield* Effect.provide(
      Effect.flatMap(StateManager, (sm) => sm.subscribe),
      leader
    )
    const handlers = yield* Layer.buildWithScope(
      SchedulerApiLive({ clusterName: "bench", validation: { ...DEFAULT_VALIDATION, ...validation } }),
      scope
    ).pipe(Effect.provide(leader))
    const server = yield* makeSchedulerHttpServer({ host: "127.0.0.1", port: 0 }).pipe(
      Effect.provide(Context.merge(leader, handlers))
    )
    const client = Context.get(
      yield* Layer.buildWithScope(SchedulerClient.layer(server.url), scope),
      SchedulerClient
    )
    const createJob = (job: JobConfiguration) =>
      client.createJob({ description: job }).pipe(
        Effect.mapError((e) => new Error(`createJob ${job.key.name}: ${String(e)}`)),
        Effect.flatMap((r) =>
          r.responseCode === "OK"
            ? Effect.void
            : Effect.fail(
                new Error(
                  `createJob ${job.key.name}: ${r.responseCode} ${r.details.map((d) => d.message).join("; ")}`
                )
              )
        )
      )
    const offers = Context.get(leader, OfferManager)
    return {
      url: server.url,
      storage,
      client,
      offersHeld: Effect.map(offers.stats, (st) => st.held),
      createJob,
      events,
      shutdowns
    }
  })
