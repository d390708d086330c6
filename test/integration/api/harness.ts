// A scheduler API under test: durable storage over an in-memory one-replica log, the real StateManager
// over a simulated cluster, the real handlers and HTTP server on 127.0.0.1 (ephemeral port), and test
// doubles for the leader-side services the core issue provides (recording what they were asked).
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Layer, Ref, type Scope } from "effect"
import type { LeaderStatus } from "../../../src/domain/coordinator/index.ts"
import type {
  HostStatus,
  JobConfiguration,
  ScheduledTask,
  TaskConfig
} from "../../../src/domain/model/index.ts"
import type { Op } from "../../../src/domain/storage/index.ts"
import type { ApiOptions } from "../../../src/layers/api/index.ts"
import { SimulatedClusterManager, type SimulatedOptions } from "../../../src/layers/cluster/simulated.ts"
import { type HttpServerOptions, SchedulerHttp, SchedulerHttpLive } from "../../../src/layers/http/index.ts"
import { makeMember } from "../../../src/layers/log/layers.ts"
import { makeMemoryStore } from "../../../src/layers/log/sqlite-store.ts"
import { noTransport } from "../../../src/layers/log/transport.ts"
import { leaderServicesLayer } from "../../../src/layers/scheduler/leader.ts"
import { StateManagerLive } from "../../../src/layers/scheduler/StateManagerLive.ts"
import { makeStandbyServices } from "../../../src/layers/scheduler/standby.ts"
import { makeDurableStorage } from "../../../src/layers/storage/durable.ts"
import { MaintenanceController } from "../../../src/services/MaintenanceController.ts"
import { SchedulerClient } from "../../../src/services/SchedulerClient.ts"
import { type LifecycleState, SchedulerLifecycle } from "../../../src/services/SchedulerLifecycle.ts"
import { Storage, type StorageShape } from "../../../src/services/Storage.ts"
import { TaskReconciler } from "../../../src/services/TaskReconciler.ts"
import { TaskScheduler } from "../../../src/services/TaskScheduler.ts"

export interface Recorded {
  readonly calls: Array<string>
  readonly shutdowns: Array<string>
}

export interface Harness {
  readonly url: string
  readonly port: number
  readonly storage: StorageShape
  readonly client: SchedulerClient["Type"]
  readonly leader: Ref.Ref<LeaderStatus>
  readonly state: Ref.Ref<LifecycleState>
  readonly recorded: Recorded
  readonly backupDir: string
}

const modeOf = (hosts: ReadonlyArray<string>, mode: HostStatus["mode"]) =>
  Effect.succeed(hosts.filter((h) => h.startsWith("known")).map((host) => ({ host, mode })))

const doubles = (recorded: Recorded, leader: Ref.Ref<LeaderStatus>, state: Ref.Ref<LifecycleState>) =>
  Layer.mergeAll(
    Layer.succeed(TaskScheduler, {
      taskPending: () => Effect.void,
      tasksDeleted: () => Effect.void,
      taskAssigned: () => Effect.void,
      schedule: () => Effect.succeed([]),
      pendingReason: (config: TaskConfig) =>
        Effect.succeed(config.job.name === "unplaceable" ? "Insufficient CPU,Insufficient RAM" : undefined),
      reserveForUpdate: () => Effect.void,
      releaseUpdateReservation: () => Effect.void,
      groups: Effect.succeed([]),
      reservations: Effect.succeed(new Map())
    }),
    Layer.succeed(MaintenanceController, {
      startMaintenance: (hosts) => modeOf(hosts, "SCHEDULED"),
      drain: (hosts) => modeOf(hosts, "DRAINING"),
      slaDrain: (hosts, policy, timeout) =>
        Effect.sync(() => recorded.calls.push(`slaDrain ${JSON.stringify(policy)} ${timeout}`)).pipe(
          Effect.zipRight(modeOf(hosts, "DRAINING"))
        ),
      endMaintenance: (hosts) => modeOf(hosts, "NONE"),
      status: (hosts) => modeOf(hosts, "NONE"),
      poll: Effect.void,
      taskTerminated: () => Effect.void,
      inverseOffer: () => Effect.void
    }),
    Layer.succeed(TaskReconciler, {
      triggerExplicit: (batchSize) => Effect.sync(() => void recorded.calls.push(`explicit ${batchSize}`)),
      triggerImplicit: Effect.sync(() => void recorded.calls.push("implicit"))
    }),
    Layer.succeed(SchedulerLifecycle, {
      state: Ref.get(state),
      leaderStatus: Ref.get(leader),
      shutdown: (reason) => Effect.sync(() => void recorded.shutdowns.push(reason))
    })
  )

/**
 * Builds the scheduler in `scope`; `started: false` leaves storage PREPARED (a standby's state) and
 * `leading: false` serves with the scheduler program's stand-ins for the leader-only services.
 */
export const makeHarness = (
  options: {
    readonly started?: boolean
    readonly leading?: boolean
    readonly api?: Partial<ApiOptions>
    readonly http?: Partial<HttpServerOptions>
    /** Runs the real leader services over this simulated cluster instead of test doubles. */
    readonly cluster?: SimulatedOptions
  } = {}
) =>
  Effect.gen(function* () {
    const backupDir = mkdtempSync(join(tmpdir(), "aurora-api-backups-"))
    yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(backupDir, { recursive: true, force: true })))
    const log = yield* makeMember(0, [0], { quorum: 1 }, makeMemoryStore(), noTransport)
    const storage = yield* makeDurableStorage(log, { backupDir })
    if (options.started !== false) yield* storage.start
    const recorded: Recorded = { calls: [], shutdowns: [] }
    const leader = yield* Ref.make<LeaderStatus>({ _tag: "Leading" })
    const state = yield* Ref.make<LifecycleState>("ACTIVE")
    const testDoubles = doubles(recorded, leader, state)
    const lifecycle = Layer.succeed(
      SchedulerLifecycle,
      Context.get(yield* Layer.build(testDoubles), SchedulerLifecycle)
    )
    const withStorage = Layer.succeed(Storage, storage)
    const base =
      options.leading === false
        ? // A standby: the scheduler program's stand-ins, never pointed at a leader.
          Layer.mergeAll(withStorage, lifecycle, Layer.succeedContext(makeStandbyServices().context))
        : options.cluster === undefined
          ? Layer.mergeAll(
              withStorage,
              testDoubles,
              StateManagerLive({ schedulerHost: "scheduler-test" }).pipe(
                Layer.provide(withStorage),
                Layer.provide(SimulatedClusterManager({ agents: [] }))
              )
            )
          : // The real leader services (core) over the simulated cluster; only the lifecycle is a double.
            leaderServicesLayer({ schedulerHost: "scheduler-test", clusterName: "test-cluster" }).pipe(
              Layer.provideMerge(
                Layer.mergeAll(withStorage, lifecycle, SimulatedClusterManager(options.cluster))
              )
            )
    const services = Layer.provideMerge(
      SchedulerHttpLive(
        { host: "127.0.0.1", port: 0, ...options.http },
        { clusterName: "test-cluster", statsUrlPrefix: "http://stats/", ...options.api }
      ),
      base
    )
    const scope = yield* Effect.scope
    const server = yield* Effect.provide(SchedulerHttp, yield* Layer.buildWithScope(services, scope))
    const clientContext = yield* Layer.buildWithScope(SchedulerClient.layer(server.url), scope)
    const client = yield* Effect.provide(SchedulerClient, clientContext)
    return {
      url: server.url,
      port: server.port,
      storage,
      client,
      leader,
      state,
      recorded,
      backupDir
    } satisfies Harness
  })

/** Runs `body` against a fresh scheduler, closing everything afterwards. */
export const withScheduler = <A, E>(
  body: (h: Harness) => Effect.Effect<A, E>,
  options?: Parameters<typeof makeHarness>[0]
): Promise<A> =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(makeHarness(options), body)) as Effect.Effect<A, E | unknown, never>
  )

export const helloConfig = (
  name = "hello",
  overrides: {
    role?: string
    environment?: string
    instanceCount?: number
    tier?: string
    cpus?: number
  } = {}
): JobConfiguration => {
  const role = overrides.role ?? "www-data"
  const environment = overrides.environment ?? "devel"
  const job = { role, environment, name }
  return {
    key: job,
    owner: { user: role },
    cronCollisionPolicy: "KILL_EXISTING",
    instanceCount: overrides.instanceCount ?? 3,
    taskConfig: {
      job,
      owner: { user: role },
      isService: true,
      priority: 0,
      maxTaskFailures: 1,
      ...(overrides.tier === undefined ? {} : { tier: overrides.tier }),
      resources: [{ numCpus: overrides.cpus ?? 0.5 }, { ramMb: 128 }, { diskMb: 256 }],
      constraints: [],
      executorConfig: { name: "AuroraExecutor", data: '{"processes":[]}' },
      container: { mesos: { volumes: [] } }
    }
  }
}

/** Stores a RUNNING task of `job` on host `host` directly, as if it had been launched there. */
export const saveRunningTask = (
  storage: StorageShape,
  job: JobConfiguration,
  instanceId: number,
  host = "known-host-1",
  ports: Readonly<Record<string, number>> = {}
) =>
  storage.write((): { ops: ReadonlyArray<Op>; value: string } => {
    const taskId = `${job.key.role}-${job.key.environment}-${job.key.name}-${instanceId}-running`
    const task: ScheduledTask = {
      assignedTask: {
        taskId,
        slaveId: `agent-${host}`,
        slaveHost: host,
        task: { ...job.taskConfig, tier: "preemptible", production: false },
        assignedPorts: ports,
        instanceId
      },
      status: "RUNNING",
      failureCount: 0,
      timesPartitioned: 0,
      taskEvents: [
        { timestamp: 1_000, status: "PENDING", scheduler: "scheduler-test" },
        { timestamp: 2_000, status: "ASSIGNED", scheduler: "scheduler-test" },
        { timestamp: 3_000, status: "RUNNING", scheduler: "scheduler-test" }
      ]
    }
    return { ops: [{ _tag: "SaveTasks", tasks: [task] }], value: taskId }
  })

/** Every stored task id and status, sorted: to assert that a refused call changed nothing. */
export const storeContents = (storage: StorageShape) =>
  storage.read((s) => ({
    tasks: [...s.tasks.values()].map((t) => `${t.assignedTask.taskId} ${t.status}`).sort(),
    quotas: [...s.quotas].map(([r, q]) => `${r} ${JSON.stringify(q)}`).sort()
  }))

export type { Scope }
