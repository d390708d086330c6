// `aurora-scheduler run`: composes the scheduler from its flags. The HTTP server comes up first (API
// answering "not READY" until this scheduler leads), storage opens the log replica, the lifecycle
// joins the election; once elected, storage recovers, the cluster driver and the leader's services
// start, and after registration the scheduler advertises itself. DEAD ends the process.
import { networkInterfaces } from "node:os"
import { Context, Effect, Layer, Option } from "effect"
import { DEFAULT_VALIDATION } from "../../domain/placement/index.ts"
import { SchedulerApiLive } from "../../layers/api/index.ts"
import { combineClusterManagers } from "../../layers/cluster/combined.ts"
import { defaultExecutorCommand } from "../../layers/cluster/localAgent/index.ts"
import { makeMesosHttp } from "../../layers/cluster/mesosHttp.ts"
import { layer as embeddedCoordinator } from "../../layers/coordinator/embedded.ts"
import { layer as zooKeeperCoordinator } from "../../layers/coordinator/zookeeper.ts"
import { makeSchedulerHttpServer } from "../../layers/http/server.ts"
import { LeaderServices, startLeaderServices } from "../../layers/scheduler/leader.ts"
import { makeLifecycle, runLifecycle } from "../../layers/scheduler/lifecycle.ts"
import { DEFAULT_LEADER_SETTINGS, type LeaderSettings } from "../../layers/scheduler/settings.ts"
import { makeStandbyServices } from "../../layers/scheduler/standby.ts"
import { ClusterManager } from "../../services/ClusterManager.ts"
import { MaintenanceController } from "../../services/MaintenanceController.ts"
import { SchedulerLifecycle } from "../../services/SchedulerLifecycle.ts"
import { StateManager } from "../../services/StateManager.ts"
import { Storage } from "../../services/Storage.ts"
import { TaskReconciler } from "../../services/TaskReconciler.ts"
import { TaskScheduler } from "../../services/TaskScheduler.ts"
import { type LogFlags, storageLayerFromFlags } from "./log-flags.ts"
import type { RunFlags } from "./run-flags.ts"

/** This machine's first non-internal IPv4 address (Aurora advertises the local host's IP). */
const localAddress = (): string => {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address
  return "127.0.0.1"
}

const optional = <A>(o: Option.Option<A>): A | undefined => Option.getOrUndefined(o)

export const leaderSettingsFromFlags = (f: RunFlags, host: string): LeaderSettings => ({
  ...DEFAULT_LEADER_SETTINGS,
  schedulerHost: host,
  clusterName: f.clusterName,
  enableLegacyConstraints: f.enableLegacyConstraints,
  enablePreemptor: f.enablePreemptor,
  maxScheduleAttemptsPerSec: f.maxScheduleAttemptsPerSec,
  maxTasksPerScheduleAttempt: f.maxTasksPerScheduleAttempt,
  firstScheduleDelayMs: f.firstScheduleDelayMs
})

/** The cluster driver: one Mesos master (or local agent) URL, or several local agents, comma separated. */
const clusterManager = (f: RunFlags, frameworkId: string | undefined) => {
  const masters = f.mesosMasterAddress
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m !== "")
  const make = (index: number, id: string | undefined) =>
    makeMesosHttp({
      master: masters[index],
      frameworkName: f.frameworkName,
      failoverTimeoutSeconds: Math.floor(f.frameworkFailoverTimeoutMs / 1000),
      executor: { command: optional(f.thermosExecutorPath) ?? defaultExecutorCommand() },
      ...(id === undefined ? {} : { frameworkId: id })
    })
  return masters.length === 1
    ? make(0, frameworkId)
    : combineClusterManagers(masters.length, make, frameworkId)
}

export const runScheduler = (f: RunFlags, logFlags: LogFlags) => {
  const host = optional(f.hostname) ?? (f.ip === "0.0.0.0" ? localAddress() : f.ip)
  const settings = leaderSettingsFromFlags(f, host)
  const coordinator = Option.match(f.zkEndpoints, {
    onNone: () => embeddedCoordinator({ sessionTimeoutMs: f.zkSessionTimeoutMs }),
    onSome: (endpoints) =>
      zooKeeperCoordinator({
        endpoints,
        sessionTimeoutMs: f.zkSessionTimeoutMs,
        ...(Option.isSome(f.zkChrootPath) ? { chroot: f.zkChrootPath.value } : {}),
        ...(Option.isSome(f.zkDigestCredentials) ? { digestCredentials: f.zkDigestCredentials.value } : {})
      })
  })
  const program = Effect.gen(function* () {
    const storage = yield* Storage
    const lifecycle = yield* makeLifecycle(f.serversetPath)
    const standby = makeStandbyServices()
    const api = SchedulerApiLive({
      clusterName: f.clusterName,
      ...(Option.isSome(f.vizJobUrlPrefix) ? { statsUrlPrefix: f.vizJobUrlPrefix.value } : {}),
      maxTasksPerJob: f.maxTasksPerJob,
      validation: {
        ...DEFAULT_VALIDATION,
        allowedJobEnvironments: f.allowedJobEnvironments,
        enableLegacyConstraints: f.enableLegacyConstraints
      }
    })
    const shared = Context.make(SchedulerLifecycle, lifecycle).pipe(
      Context.add(Storage, storage),
      Context.merge(standby.context)
    )
    const server = yield* makeSchedulerHttpServer({
      host: f.ip,
      port: f.httpPort,
      clusterName: f.clusterName
    }).pipe(Effect.provide(api), Effect.provide(shared))
    yield* lifecycle.setSelf({ host, port: server.port })
    yield* Effect.logInfo(`scheduler HTTP on ${server.url}, advertised as ${host}:${server.port}`)
    yield* lifecycle.setState("PREPARING_STORAGE")

    const lead = Effect.gen(function* () {
      yield* storage.start
      const frameworkId = yield* storage.read((s) => s.frameworkId)
      const cluster = yield* clusterManager(f, frameworkId)
      const leader = yield* startLeaderServices(settings).pipe(
        Effect.provideService(ClusterManager, cluster),
        Effect.provide(shared)
      )
      standby.setLeader(
        Context.make(StateManager, Context.get(leader, StateManager)).pipe(
          Context.add(TaskScheduler, Context.get(leader, TaskScheduler)),
          Context.add(MaintenanceController, Context.get(leader, MaintenanceController)),
          Context.add(TaskReconciler, Context.get(leader, TaskReconciler))
        )
      )
      return { registered: Context.get(leader, LeaderServices).registered, activate: Effect.void }
    })
    const reason = yield* runLifecycle(lifecycle, {
      serversetPath: f.serversetPath,
      endpointName: f.serversetEndpointName,
      maxRegistrationDelayMs: f.maxRegistrationDelayMs,
      maxLeadingDurationMs: f.maxLeadingDurationMs,
      lead
    })
    standby.setLeader(undefined)
    yield* lifecycle.setState("DEAD")
    yield* storage.stop
    return reason
  })
  return Effect.scoped(program).pipe(
    Effect.provide(Layer.provideMerge(storageLayerFromFlags(logFlags), coordinator))
  )
}
