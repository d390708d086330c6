// A leader on TestClock: an in-memory one-replica log, durable storage over it, the simulated cluster
// manager and a recording SchedulerLifecycle.
import { Context, Effect, Layer, type Scope, TestClock } from "effect"
import { insertPendingTasks } from "../../../src/domain/lifecycle/index.ts"
import { jobKeyToString, type ScheduledTask, type TaskConfig } from "../../../src/domain/model/index.ts"
import { bag } from "../../../src/domain/placement/index.ts"
import { makeSimulatedCluster, type SimulatedOptions } from "../../../src/layers/cluster/simulated.ts"
import { makeMember } from "../../../src/layers/log/layers.ts"
import { makeMemoryStore } from "../../../src/layers/log/sqlite-store.ts"
import { noTransport } from "../../../src/layers/log/transport.ts"
import { leaderServicesLayer } from "../../../src/layers/scheduler/leader.ts"
import type { LeaderSettings } from "../../../src/layers/scheduler/settings.ts"
import { makeDurableStorage } from "../../../src/layers/storage/durable.ts"
import { ClusterManager, type ClusterManagerShape } from "../../../src/services/ClusterManager.ts"
import type { ReplicatedLogShape } from "../../../src/services/ReplicatedLog.ts"
import { SchedulerLifecycle } from "../../../src/services/SchedulerLifecycle.ts"
import { StateManager } from "../../../src/services/StateManager.ts"
import { Storage, type StorageShape } from "../../../src/services/Storage.ts"
import { taskConfig } from "../storage/fixtures.ts"

export const realPause = (ms = 1) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, ms)))
const macrotask = Effect.promise(() => new Promise<void>((r) => setImmediate(r)))

/** Lets forked fibers and the log's own work run without moving the test clock. */
export const settle = Effect.gen(function* () {
  for (let i = 0; i < 5; i++) {
    yield* Effect.yieldNow()
    yield* macrotask
  }
})

/** Moves the clock in steps of `stepMs`, settling after each, until `cond` holds (or `maxMs` passed). */
export const until = (cond: Effect.Effect<boolean, unknown>, stepMs = 100, maxMs = 60_000) =>
  Effect.gen(function* () {
    for (let t = 0; t <= maxMs; t += stepMs) {
      yield* settle
      if (yield* Effect.orDie(cond)) return true
      yield* TestClock.adjust(stepMs)
    }
    return false
  })

// One replica needs no retries; a long retry period keeps its ticker from waking the TestClock.
export const makeLog = () =>
  makeMember(0, [0], { quorum: 1, retryMs: 24 * 3_600_000 }, makeMemoryStore("VOTING"), noTransport)

export const agents = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    host: `host${i}`,
    capacity: bag({ cpus: 8, ramMb: 16_384, diskMb: 65_536 }),
    attributes: { rack: `rack${i % 2}` }
  }))

export interface Leader {
  readonly storage: StorageShape
  readonly context: Context.Context<never>
  readonly cluster: Effect.Effect.Success<ReturnType<typeof makeSimulatedCluster>>
  readonly shutdowns: Array<string>
}

/** Starts storage over `log` (recovering it) and the leader services on it. */
export const startLeader = (
  log: ReplicatedLogShape,
  settings: Partial<LeaderSettings> = {},
  sim: SimulatedOptions = { agents: agents(3) },
  wrap: (m: ClusterManagerShape) => ClusterManagerShape = (m) => m
): Effect.Effect<Leader, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const storage = yield* makeDurableStorage(log)
    yield* storage.start
    const cluster = yield* makeSimulatedCluster({ allocationIntervalMs: 30_000, ...sim })
    const shutdowns: Array<string> = []
    const lifecycle = Layer.succeed(SchedulerLifecycle, {
      state: Effect.succeed("ACTIVE" as const),
      leaderStatus: Effect.succeed({ _tag: "Leading" as const }),
      shutdown: (reason) => Effect.sync(() => void shutdowns.push(reason))
    })
    const deps = Layer.mergeAll(
      Layer.succeed(Storage, storage),
      Layer.succeed(ClusterManager, wrap(cluster.manager)),
      lifecycle
    )
    const scope = yield* Effect.scope
    const context = yield* Layer.buildWithScope(
      // Few periodic wake-ups: each one costs TestClock real time.
      leaderServicesLayer({
        schedulerHost: "test-scheduler",
        offerSweepIntervalMs: 30_000,
        ...settings
      }).pipe(Layer.provide(deps)),
      scope
    )
    return { storage, context: context as Context.Context<never>, cluster, shutdowns }
  })

export const config = (job: number): TaskConfig => ({
  ...taskConfig(job),
  // One agent can hold several instances: no host limit, so placement depends on resources only.
  constraints: [],
  resources: [{ numCpus: 1 }, { ramMb: 128 }, { diskMb: 128 }]
})

export const service = <I, S>(l: Leader, tag: Context.Tag<I, S>): S =>
  Context.get(l.context as Context.Context<I>, tag)

export const createJob = (l: Leader, cfg: TaskConfig, instances: number) =>
  service(l, StateManager).write((ws, ctx, stores) => {
    const existing = [...(stores.tasksByJob.get(jobKeyToString(cfg.job)) ?? [])].map(
      (id) => stores.tasks.get(id)!
    )
    const ids = Array.from({ length: instances }, (_, i) => i)
    const r = insertPendingTasks(ws, cfg, ids, existing, ctx)
    if ("error" in r) throw new Error(r.error._tag)
    return { value: r.taskIds }
  })

export const tasksOf = (l: Leader) =>
  l.storage.read((s) => [...s.tasks.values()] as ReadonlyArray<ScheduledTask>)
