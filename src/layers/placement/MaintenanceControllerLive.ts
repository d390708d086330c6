import { Clock, Effect, Layer, Random, Schedule } from "effect"
import type { HostAttributes, HostStatus, ScheduledTask } from "../../domain/model/index.ts"
import {
  coordinatorRequest,
  coordinatorSaysDrain,
  DEFAULT_SLA_SETTINGS,
  DRAIN_MESSAGE,
  decideDrain,
  drainHosts,
  endMaintenance,
  FORCED_DRAIN_POLICY,
  inverseOfferDrains,
  type MaintenanceRequest,
  type MaintenanceResult,
  type MaintenanceState,
  markDrained,
  type SlaSettings,
  seededRandom,
  slaDrainHosts,
  startMaintenance
} from "../../domain/placement/index.ts"
import {
  MaintenanceController,
  type MaintenanceControllerShape
} from "../../services/MaintenanceController.ts"
import { OfferManager } from "../../services/OfferManager.ts"
import { PlacementState } from "../../services/PlacementState.ts"

export interface MaintenanceSettings {
  /** `-host_maintenance_polling_interval` */
  readonly pollingIntervalMs: number
  readonly sla: SlaSettings
  /** `-unavailability_threshold` */
  readonly unavailabilityThresholdMs: number
  /** Cluster name used in coordinator requests. */
  readonly cluster: string
  /** `-sla_coordinator_timeout` */
  readonly coordinatorTimeoutMs: number
  /** `-max_parallel_coordinated_maintenance` */
  readonly maxParallelCoordinated: number
}

export const DEFAULT_MAINTENANCE: MaintenanceSettings = {
  pollingIntervalMs: 60_000,
  sla: DEFAULT_SLA_SETTINGS,
  unavailabilityThresholdMs: 6 * 60_000,
  cluster: "local",
  coordinatorTimeoutMs: 60_000,
  maxParallelCoordinated: 10
}

/** Tasks already being taken down are not drained again. */
const STOPPING = new Set(["DRAINING", "KILLING", "PREEMPTING", "RESTARTING"])

export const makeMaintenanceController = (overrides: Partial<MaintenanceSettings> = {}) =>
  Effect.gen(function* () {
    const s = { ...DEFAULT_MAINTENANCE, ...overrides }
    const store = yield* PlacementState
    const offers = yield* Effect.serviceOption(OfferManager)
    const random = seededRandom(yield* Random.nextIntBetween(0, 2 ** 31))
    let requests = new Map<string, MaintenanceRequest>()
    const busyUrls = new Set<string>()
    const coordinatorPermits = yield* Effect.makeSemaphore(s.maxParallelCoordinated)
    let skippedNoRequest = 0

    const snapshot = (hosts: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const known = new Map<string, HostAttributes>()
        for (const h of hosts) {
          const a = yield* store.hostAttributes(h)
          if (a !== undefined) known.set(h, a)
        }
        return { hosts: known, requests } satisfies MaintenanceState
      })

    /** Persist changed modes (store and offer order) and the requests. */
    const commit = (r: MaintenanceResult) =>
      Effect.gen(function* () {
        requests = new Map(r.state.requests)
        for (const st of r.statuses) {
          const a = r.state.hosts.get(st.host)
          if (a === undefined) continue
          yield* store.saveHostAttributes(a)
          if (offers._tag === "Some") yield* offers.value.hostAttributesChanged(a)
        }
        yield* Effect.forEach(r.drain, (id) => store.transition(id, "DRAINING", DRAIN_MESSAGE), {
          discard: true
        })
        return r.statuses
      })

    const askCoordinator = (url: string, statusKey: string, task: ScheduledTask, countdownMs: number) =>
      Effect.gen(function* () {
        if (busyUrls.has(url)) return false
        busyUrls.add(url)
        const { query, body } = coordinatorRequest(s.cluster, task, countdownMs)
        const answer = yield* Effect.tryPromise(async (signal) => {
          const res = await fetch(`${url}${url.includes("?") ? "&" : "?"}${query}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
            signal
          })
          return res.status === 200 ? ((await res.json()) as unknown) : undefined
        }).pipe(
          Effect.timeout(`${s.coordinatorTimeoutMs} millis`),
          Effect.catchAll((e) =>
            Effect.as(Effect.logWarning(`SLA coordinator ${url} failed: ${String(e)}`), undefined)
          ),
          coordinatorPermits.withPermits(1),
          Effect.ensuring(Effect.sync(() => busyUrls.delete(url)))
        )
        return answer !== undefined && coordinatorSaysDrain(answer, statusKey)
      })

    /** Drain what the SLA allows of a host's active tasks now. */
    const drainTasks = (host: string, tasks: ReadonlyArray<ScheduledTask>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        for (const t of tasks) {
          if (STOPPING.has(t.status)) continue
          const jobTasks = yield* store.jobTasks(t.assignedTask.task.job)
          const d = decideDrain(t, requests.get(host), jobTasks, now, s.sla)
          let act = false
          if (d._tag === "NoRequest") skippedNoRequest++
          else if (d._tag === "Drain") act = true
          else if (d._tag === "AskCoordinator")
            act = yield* askCoordinator(d.url, d.statusKey, t, d.countdownMs)
          if (act) yield* store.transition(t.assignedTask.taskId, "DRAINING", DRAIN_MESSAGE)
        }
      })

    const poll = Effect.gen(function* () {
      const all = yield* store.allHostAttributes()
      for (const a of [...all.values()]) {
        if (a.mode !== "DRAINING") continue
        const active = yield* store.activeTasksOnHost(a.host)
        if (active.length === 0) {
          const next = markDrained({ hosts: new Map([[a.host, a]]), requests }, a.host, false)
          yield* commit({ state: next, statuses: [{ host: a.host, mode: "DRAINED" }], drain: [] })
        } else {
          yield* drainTasks(a.host, active)
        }
      }
    })

    const shape: MaintenanceControllerShape = {
      startMaintenance: (hosts) =>
        Effect.flatMap(snapshot(hosts), (st) => commit(startMaintenance(st, hosts))),
      drain: (hosts) =>
        Effect.gen(function* () {
          const st = yield* snapshot(hosts)
          const active = new Map<string, ReadonlyArray<string>>()
          for (const h of st.hosts.keys()) {
            const tasks = yield* store.activeTasksOnHost(h)
            active.set(
              h,
              tasks.filter((t) => !STOPPING.has(t.status)).map((t) => t.assignedTask.taskId)
            )
          }
          const now = yield* Clock.currentTimeMillis
          return yield* commit(drainHosts(st, hosts, (h) => active.get(h) ?? [], now, random))
        }),
      slaDrain: (hosts, policy, timeoutSecs) =>
        Effect.gen(function* () {
          const st = yield* snapshot(hosts)
          const now = yield* Clock.currentTimeMillis
          return yield* commit(slaDrainHosts(st, hosts, policy, timeoutSecs, now))
        }),
      endMaintenance: (hosts) => Effect.flatMap(snapshot(hosts), (st) => commit(endMaintenance(st, hosts))),
      status: (hosts) =>
        Effect.map(snapshot(hosts), (st) =>
          [...st.hosts.values()].map((a): HostStatus => ({ host: a.host, mode: a.mode ?? "NONE" }))
        ),
      poll,
      taskTerminated: (host) =>
        Effect.gen(function* () {
          const a = yield* store.hostAttributes(host)
          if (a?.mode !== "DRAINING") return
          const active = yield* store.activeTasksOnHost(host)
          if (active.length > 0) return
          const next = markDrained({ hosts: new Map([[host, a]]), requests }, host, true)
          yield* commit({ state: next, statuses: [{ host, mode: "DRAINED" }], drain: [] })
        }),
      inverseOffer: (host, startMs) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          if (!inverseOfferDrains(startMs, now, s.unavailabilityThresholdMs)) return
          requests = new Map(requests).set(host, {
            host,
            defaultSlaPolicy: FORCED_DRAIN_POLICY,
            timeoutSecs: 0,
            createdMs: now
          })
          yield* drainTasks(host, yield* store.activeTasksOnHost(host))
        })
    }
    return { shape, settings: s, skipped: () => skippedNoRequest }
  })

/** Layer with the fixed-delay poller. */
export const MaintenanceControllerLive = (overrides: Partial<MaintenanceSettings> = {}) =>
  Layer.scoped(
    MaintenanceController,
    Effect.gen(function* () {
      const m = yield* makeMaintenanceController(overrides)
      yield* Effect.forkScoped(
        Effect.repeat(
          Effect.catchAllCause(m.shape.poll, (c) => Effect.logError("maintenance poll failed", c)),
          Schedule.spaced(`${m.settings.pollingIntervalMs} millis`)
        )
      )
      return m.shape
    })
  )
