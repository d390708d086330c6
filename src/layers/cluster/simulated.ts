/**
 * A simulated cluster of many agents behind the ClusterManager interface: in memory, deterministic,
 * timed by Effect's Clock. Launches answer STARTING then RUNNING; tasks run until killed, until
 * their scripted duration ends, or until a fault is injected (lost agent, failed task).
 */
import { Clock, Effect, Layer, Queue, Ref, type Scope, Stream } from "effect"
import {
  addBags,
  type Bag,
  bag,
  bagOfResources,
  DEFAULT_EXECUTOR_OVERHEADS,
  EMPTY_BAG,
  type Offer,
  subtractBags
} from "../../domain/placement/index.ts"
import {
  type ClusterEvent,
  ClusterManager,
  type ClusterManagerShape,
  isTerminalMesosState,
  type TaskStatusUpdate
} from "../../services/ClusterManager.ts"
import type { LaunchSpec } from "../../services/OfferDriver.ts"

export interface SimAgentSpec {
  readonly host: string
  readonly capacity: Bag
  readonly ports?: readonly [number, number]
  readonly attributes?: Readonly<Record<string, string>>
}

/** How a launched task behaves: runs until killed unless it has a duration (then FINISHED/FAILED). */
export interface SimTaskBehaviour {
  readonly durationMs?: number
  readonly outcome?: "TASK_FINISHED" | "TASK_FAILED"
}

export interface SimulatedOptions {
  readonly agents: ReadonlyArray<SimAgentSpec>
  readonly behaviour?: (spec: LaunchSpec) => SimTaskBehaviour
  /** How often filtered or freed agents are re-offered (Mesos' allocation interval). */
  readonly allocationIntervalMs?: number
  /** Offers per OFFERS event. */
  readonly offersPerEvent?: number
  readonly frameworkId?: string
}

interface Agent {
  readonly agentId: string
  readonly spec: SimAgentSpec
  used: Bag
  readonly usedPorts: Set<number>
  offerId: string | undefined
  filterUntil: number
  lost: boolean
}

interface Task {
  readonly spec: LaunchSpec
  readonly agentId: string
  readonly bag: Bag
  state: string
  message?: string
  endsAt?: number
  outcome?: string
  pending: Set<string>
}

export interface SimulatedControl {
  /** The agent disappears: its tasks become LOST (REASON_AGENT_REMOVED), its offer is rescinded. */
  readonly loseAgent: (agentId: string) => Effect.Effect<void>
  readonly failTask: (taskId: string, message: string) => Effect.Effect<void>
  /** The subscription drops and comes back (what a heartbeat loss leads to). */
  readonly disconnect: Effect.Effect<void>
  readonly agentIds: () => ReadonlyArray<string>
  readonly taskState: (taskId: string) => string | undefined
  readonly unacknowledged: () => number
}

const freeRanges = (a: Agent): Array<{ begin: number; end: number }> => {
  const [lo, hi] = a.spec.ports ?? [31000, 32000]
  if (a.usedPorts.size === 0) return [{ begin: lo, end: hi }]
  const out: Array<{ begin: number; end: number }> = []
  for (let p = lo; p <= hi; p++) {
    if (a.usedPorts.has(p)) continue
    const last = out[out.length - 1]
    if (last !== undefined && last.end === p - 1) last.end = p
    else out.push({ begin: p, end: p })
  }
  return out
}

export const makeSimulatedCluster = (
  options: SimulatedOptions
): Effect.Effect<
  { readonly manager: ClusterManagerShape; readonly control: SimulatedControl },
  never,
  Scope.Scope
> =>
  Effect.gen(function* () {
    const events = yield* Queue.unbounded<ClusterEvent>()
    const frameworkId = options.frameworkId ?? "simulated-framework"
    const agents = new Map<string, Agent>()
    for (const [i, spec] of options.agents.entries())
      agents.set(`sim-agent-${i}`, {
        agentId: `sim-agent-${i}`,
        spec,
        used: EMPTY_BAG,
        usedPorts: new Set(),
        offerId: undefined,
        filterUntil: 0,
        lost: false
      })
    const offers = new Map<string, string>() // offer id -> agent id
    const tasks = new Map<string, Task>()
    // Tasks with a scripted end, so the allocation tick does not scan every task.
    const timed = new Set<Task>()
    const seq = yield* Ref.make(0)
    let subscribed = false
    const emit = (e: ClusterEvent) => Queue.offer(events, e)

    const update = (t: Task, state: string, now: number, message?: string, reason?: string) =>
      Effect.gen(function* () {
        if (isTerminalMesosState(t.state)) return
        t.state = state
        t.message = message
        const uuid = `u${yield* Ref.getAndUpdate(seq, (n) => n + 1)}`
        t.pending.add(uuid)
        if (isTerminalMesosState(state)) {
          const a = agents.get(t.agentId)
          if (a !== undefined && !a.lost) {
            a.used = subtractBags(a.used, t.bag)
            for (const p of Object.values(t.spec.ports)) a.usedPorts.delete(p)
          }
        }
        const status: TaskStatusUpdate = {
          taskId: t.spec.taskId,
          state,
          ...(message === undefined ? {} : { message }),
          ...(reason === undefined ? {} : { reason }),
          source: "SOURCE_EXECUTOR",
          agentId: t.agentId,
          timestamp: now,
          uuid
        }
        yield* emit({ _tag: "Update", status })
      })

    const offerOf = (a: Agent, id: string): Offer => {
      const free = subtractBags(a.spec.capacity, a.used)
      return {
        id,
        agentId: a.agentId,
        host: a.spec.host,
        resources: [
          { name: "cpus", scalar: Math.max(0, free.cpus) },
          { name: "mem", scalar: Math.max(0, free.ramMb) },
          { name: "disk", scalar: Math.max(0, free.diskMb) },
          ...(a.spec.capacity.gpus > 0 ? [{ name: "gpus", scalar: Math.max(0, free.gpus) }] : []),
          { name: "ports", ranges: freeRanges(a) }
        ],
        attributes: Object.entries({ host: a.spec.host, ...a.spec.attributes }).map(([name, v]) => ({
          name,
          values: [v]
        }))
      }
    }

    /** Offers every agent that has no outstanding offer, is not filtered and has CPU and RAM free. */
    const allocate = Effect.gen(function* () {
      if (!subscribed) return
      const now = yield* Clock.currentTimeMillis
      const batch: Array<Offer> = []
      const size = options.offersPerEvent ?? 1000
      for (const a of agents.values()) {
        if (a.lost || a.offerId !== undefined || a.filterUntil > now) continue
        if (a.spec.capacity.cpus - a.used.cpus <= 0 || a.spec.capacity.ramMb - a.used.ramMb <= 0) continue
        const id = `sim-offer-${yield* Ref.getAndUpdate(seq, (n) => n + 1)}`
        a.offerId = id
        offers.set(id, a.agentId)
        batch.push(offerOf(a, id))
        if (batch.length >= size) yield* emit({ _tag: "Offers", offers: batch.splice(0) })
      }
      if (batch.length > 0) yield* emit({ _tag: "Offers", offers: batch })
    })

    /** Scripted task endings that are due. */
    const finishDue = Effect.gen(function* () {
      if (timed.size === 0) return
      const now = yield* Clock.currentTimeMillis
      for (const t of [...timed]) {
        if (isTerminalMesosState(t.state)) timed.delete(t)
        else if (t.endsAt !== undefined && t.endsAt <= now) {
          timed.delete(t)
          yield* update(t, t.outcome ?? "TASK_FINISHED", now, "Task finished")
        }
      }
    })

    const subscribe = Effect.gen(function* () {
      subscribed = true
      yield* emit({ _tag: "Subscribed", frameworkId, heartbeatIntervalMs: 15_000 })
      yield* allocate
    })
    yield* subscribe
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.sleep(options.allocationIntervalMs ?? 1000).pipe(
          Effect.zipRight(finishDue),
          Effect.zipRight(allocate)
        )
      )
    )

    const withdraw = (offerId: string) => {
      const agentId = offers.get(offerId)
      offers.delete(offerId)
      const a = agentId === undefined ? undefined : agents.get(agentId)
      if (a !== undefined && a.offerId === offerId) a.offerId = undefined
      return a
    }

    const lostUpdate = (taskId: string, now: number, message: string, reason: string): ClusterEvent => ({
      _tag: "Update",
      status: { taskId, state: "TASK_LOST", message, reason, source: "SOURCE_MASTER", timestamp: now }
    })

    const manager: ClusterManagerShape = {
      events: Stream.fromQueue(events),
      frameworkId: Effect.succeed(frameworkId),
      decline: (offerIds, refuseSeconds) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          for (const id of offerIds) {
            const a = withdraw(id)
            if (a !== undefined) a.filterUntil = now + refuseSeconds * 1000
          }
        }),
      launch: (offer, spec, refuseSeconds) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const a = withdraw(offer.id)
          if (a === undefined || a.lost)
            return yield* emit(
              lostUpdate(spec.taskId, now, "Task launched with invalid offers", "REASON_INVALID_OFFERS")
            )
          a.filterUntil = now + refuseSeconds * 1000
          const overhead = DEFAULT_EXECUTOR_OVERHEADS.get(spec.config.executorConfig?.name ?? "") ?? bag({})
          const need = addBags(bagOfResources(spec.config.resources), overhead)
          const b = options.behaviour?.(spec) ?? {}
          const t: Task = {
            spec,
            agentId: a.agentId,
            bag: need,
            state: "TASK_STAGING",
            pending: new Set(),
            ...(b.durationMs === undefined ? {} : { endsAt: now + b.durationMs }),
            ...(b.outcome === undefined ? {} : { outcome: b.outcome })
          }
          tasks.set(spec.taskId, t)
          if (t.endsAt !== undefined) timed.add(t)
          a.used = addBags(a.used, need)
          for (const p of Object.values(spec.ports)) a.usedPorts.add(p)
          yield* update(t, "TASK_STARTING", now)
          yield* update(t, "TASK_RUNNING", now)
        }),
      kill: (taskId) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const t = tasks.get(taskId)
          if (t === undefined)
            return yield* emit(lostUpdate(taskId, now, "Task is unknown", "REASON_RECONCILIATION"))
          yield* update(t, "TASK_KILLED", now, "Killed by the scheduler")
        }),
      reconcile: (list) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const answer = (t: Task) =>
            emit({
              _tag: "Update",
              status: {
                taskId: t.spec.taskId,
                state: t.state,
                ...(t.message === undefined ? {} : { message: t.message }),
                reason: "REASON_RECONCILIATION",
                source: "SOURCE_MASTER",
                agentId: t.agentId,
                timestamp: now
              }
            })
          if (list.length === 0) {
            for (const t of tasks.values())
              if (!isTerminalMesosState(t.state) || t.pending.size > 0) yield* answer(t)
            return
          }
          for (const { taskId } of list) {
            const t = tasks.get(taskId)
            if (t !== undefined) yield* answer(t)
            else
              yield* emit(lostUpdate(taskId, now, "Reconciliation: Task is unknown", "REASON_RECONCILIATION"))
          }
        }),
      acknowledge: (u) =>
        Effect.sync(() => {
          const t = tasks.get(u.taskId)
          if (t === undefined || u.uuid === undefined) return
          t.pending.delete(u.uuid)
          // Acknowledged terminal tasks are forgotten, as Mesos forgets completed tasks.
          if (t.pending.size === 0 && isTerminalMesosState(t.state)) tasks.delete(u.taskId)
        }),
      teardown: Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        for (const t of tasks.values())
          yield* update(t, "TASK_KILLED", now, "Framework removed", "REASON_FRAMEWORK_REMOVED")
        subscribed = false
      })
    }

    const control: SimulatedControl = {
      loseAgent: (agentId) =>
        Effect.gen(function* () {
          const a = agents.get(agentId)
          if (a === undefined || a.lost) return
          const now = yield* Clock.currentTimeMillis
          if (a.offerId !== undefined) {
            const id = a.offerId
            withdraw(id)
            yield* emit({ _tag: "Rescind", offerId: id })
          }
          a.lost = true
          for (const t of tasks.values())
            if (t.agentId === agentId)
              yield* update(t, "TASK_LOST", now, "Agent removed", "REASON_AGENT_REMOVED")
        }),
      failTask: (taskId, message) =>
        Effect.gen(function* () {
          const t = tasks.get(taskId)
          if (t !== undefined) yield* update(t, "TASK_FAILED", yield* Clock.currentTimeMillis, message)
        }),
      disconnect: Effect.gen(function* () {
        subscribed = false
        offers.clear()
        for (const a of agents.values()) a.offerId = undefined
        yield* emit({ _tag: "Disconnected", reason: "simulated heartbeat loss" })
        yield* subscribe
      }),
      agentIds: () => [...agents.keys()],
      taskState: (id) => tasks.get(id)?.state,
      unacknowledged: () => {
        let n = 0
        for (const t of tasks.values()) n += t.pending.size
        return n
      }
    }
    return { manager, control }
  })

export const SimulatedClusterManager = (options: SimulatedOptions): Layer.Layer<ClusterManager> =>
  Layer.scoped(
    ClusterManager,
    Effect.map(makeSimulatedCluster(options), (s) => s.manager)
  )
