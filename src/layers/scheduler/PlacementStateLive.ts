// PlacementState over the real stores: reads from Storage, assignments and transitions through the
// StateManager, and a change counter of agent tasks and host attributes for the preemptor's fast path.
import { Effect, Layer, Stream } from "effect"
import { assignTask, changeState } from "../../domain/lifecycle/index.ts"
import {
  ACTIVE_STATES,
  type HostAttributes,
  jobKeyToString,
  latestEvent,
  type ScheduledTask,
  SLAVE_ASSIGNED_STATES
} from "../../domain/model/index.ts"
import { AttributeAggregate } from "../../domain/placement/index.ts"
import { type Op, planSaveHostAttributes, type StoresView } from "../../domain/storage/index.ts"
import {
  type AgentTask,
  AggregateUnavailable,
  type PendingTask,
  PlacementState,
  type PlacementStateShape
} from "../../services/PlacementState.ts"
import { SchedulerLifecycle } from "../../services/SchedulerLifecycle.ts"
import { StateManager } from "../../services/StateManager.ts"
import { Storage, type StorageNotReady, type StorageWriteFailed } from "../../services/Storage.ts"

const pendingOf = (t: ScheduledTask): PendingTask => ({
  taskId: t.assignedTask.taskId,
  instanceId: t.assignedTask.instanceId,
  config: t.assignedTask.task,
  pendingSinceMs: latestEvent(t)?.timestamp ?? 0
})

const jobTasksOf = (s: StoresView, key: string): Array<ScheduledTask> => {
  const ids = s.tasksByJob.get(key)
  if (ids === undefined) return []
  const out: Array<ScheduledTask> = []
  for (const id of ids) {
    const t = s.tasks.get(id)
    if (t !== undefined) out.push(t)
  }
  return out
}

export const makePlacementState = Effect.gen(function* () {
  const storage = yield* Storage
  const stateManager = yield* StateManager
  const lifecycle = yield* Effect.serviceOption(SchedulerLifecycle)
  let version = 0
  let cached: { version: number; map: ReadonlyMap<string, ReadonlyArray<AgentTask>> } | undefined

  // Bump on every change to SLAVE_ASSIGNED tasks. Events arrive just after their write, so a reader may
  // briefly see the old number for fresh data: it then rebuilds once more, never keeps stale data.
  const events = yield* stateManager.subscribe
  yield* Effect.forkScoped(
    Stream.runForEach(events, (e) =>
      Effect.sync(() => {
        if (e._tag === "TasksDeleted") {
          if (e.tasks.some((t) => SLAVE_ASSIGNED_STATES.has(t.status))) version++
        } else if (
          SLAVE_ASSIGNED_STATES.has(e.task.status) ||
          (e.oldState !== undefined && SLAVE_ASSIGNED_STATES.has(e.oldState))
        ) {
          version++
        }
      })
    )
  )

  // Storage failures are fatal for the leader (api-storage-security §2.3); placement answers "no".
  const fatal = <A>(fallback: A) =>
    Effect.catchAll((e: StorageNotReady | StorageWriteFailed) =>
      Effect.gen(function* () {
        yield* Effect.logError(`placement write failed: ${e.message}`)
        if (e._tag === "StorageWriteFailed" && lifecycle._tag === "Some")
          yield* Effect.forkDaemon(lifecycle.value.shutdown(e.message))
        return fallback
      })
    )
  const read = <A>(fn: (s: StoresView) => A, fallback: A) =>
    storage.read(fn).pipe(Effect.catchAll(() => Effect.succeed(fallback)))

  const buildAgentTasks = (s: StoresView): ReadonlyMap<string, ReadonlyArray<AgentTask>> => {
    const byAgent = new Map<string, Array<AgentTask>>()
    for (const t of s.tasks.values()) {
      const a = t.assignedTask
      if (!SLAVE_ASSIGNED_STATES.has(t.status) || a.slaveId === undefined || a.slaveHost === undefined)
        continue
      let list = byAgent.get(a.slaveId)
      if (list === undefined) {
        list = []
        byAgent.set(a.slaveId, list)
      }
      list.push({ taskId: a.taskId, config: a.task, status: t.status, host: a.slaveHost, agentId: a.slaveId })
    }
    return new Map([...byAgent.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
  }

  /** One write for many hosts (an OFFERS event); an op only for attributes that change. */
  const saveHostAttributesAll = (all: ReadonlyArray<HostAttributes>) =>
    storage
      .write((s) => {
        const ops: Array<Op> = []
        const errors: Array<string> = []
        for (const h of all) {
          const op = planSaveHostAttributes(s, h)
          if (op === undefined) continue
          if ("error" in op) errors.push(op.error)
          else ops.push(op)
        }
        return { ops, value: { changed: ops.length, errors } }
      })
      .pipe(
        Effect.flatMap(({ changed, errors }) => {
          if (changed > 0) version++
          return errors.length > 0 ? Effect.logWarning(errors.join("; ")) : Effect.void
        }),
        fatal(undefined)
      )

  const shape: PlacementStateShape = {
    pending: (ids) =>
      read((s) => {
        const out: Array<PendingTask> = []
        for (const id of ids) {
          const t = s.tasks.get(id)
          if (t !== undefined && t.status === "PENDING") out.push(pendingOf(t))
        }
        return out
      }, []),
    pendingSince: (cutoffMs) =>
      read((s) => {
        const out: Array<PendingTask> = []
        for (const t of s.tasks.values())
          if (t.status === "PENDING" && (latestEvent(t)?.timestamp ?? 0) <= cutoffMs) out.push(pendingOf(t))
        return out
      }, []),
    agentTasks: () =>
      Effect.suspend(() => {
        const v = version
        if (cached !== undefined && cached.version === v) return Effect.succeed(cached.map)
        return Effect.map(
          read((s) => buildAgentTasks(s), new Map() as ReadonlyMap<string, ReadonlyArray<AgentTask>>),
          (map) => {
            cached = { version: v, map }
            return map
          }
        )
      }),
    agentTasksVersion: () => Effect.sync(() => version),
    jobAggregate: (job) =>
      Effect.flatMap(
        read(
          (s) => {
            const agg = new AttributeAggregate()
            for (const t of jobTasksOf(s, jobKeyToString(job))) {
              const host = t.assignedTask.slaveHost
              if (!SLAVE_ASSIGNED_STATES.has(t.status) || host === undefined) continue
              const attrs = s.hostAttributes.get(host)
              if (attrs === undefined) return { missing: host }
              agg.addHost(attrs)
            }
            return agg
          },
          new AttributeAggregate() as AttributeAggregate | { missing: string }
        ),
        (r) =>
          "missing" in r
            ? Effect.fail(new AggregateUnavailable({ job: jobKeyToString(job), host: r.missing }))
            : Effect.succeed(r)
      ),
    hostAttributes: (host) => read((s) => s.hostAttributes.get(host), undefined),
    allHostAttributes: () => read((s) => s.hostAttributes, new Map() as ReadonlyMap<string, HostAttributes>),
    saveHostAttributes: (attributes) => saveHostAttributesAll([attributes]),
    activeTasksOnHost: (host) =>
      read((s) => {
        const out: Array<ScheduledTask> = []
        for (const id of s.tasksByHost.get(host) ?? []) {
          const t = s.tasks.get(id)
          if (t !== undefined && ACTIVE_STATES.has(t.status)) out.push(t)
        }
        return out.sort((a, b) => (a.assignedTask.taskId < b.assignedTask.taskId ? -1 : 1))
      }, []),
    jobTasks: (job) => read((s) => jobTasksOf(s, jobKeyToString(job)), []),
    assign: (taskId, host, agentId, ports) =>
      stateManager
        .write((ws, ctx) => ({ value: assignTask(ws, taskId, { host, agentId, ports }, ctx) === "SUCCESS" }))
        .pipe(fatal(false)),
    assignAll: (assignments) =>
      stateManager
        .write((ws, ctx) => ({
          value: assignments.map(
            ({ taskId, host, agentId, ports }) =>
              assignTask(ws, taskId, { host, agentId, ports }, ctx) === "SUCCESS"
          )
        }))
        .pipe(fatal(assignments.map(() => false) as ReadonlyArray<boolean>)),
    transition: (taskId, to, message) =>
      stateManager
        .write((ws, ctx) => ({ value: changeState(ws, taskId, to, ctx, { message }) === "SUCCESS" }))
        .pipe(fatal(false))
  }
  return { shape, saveHostAttributesAll }
})

/** Needs Storage and a StateManager; asks SchedulerLifecycle (when present) to shut down on a failed write. */
export const PlacementStateLive = Layer.scoped(
  PlacementState,
  Effect.map(makePlacementState, (p) => p.shape)
)
