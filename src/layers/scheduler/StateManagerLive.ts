// StateManager over Storage: lifecycle functions plan in a working set layered over the task store,
// the net change is logged as one transaction, then events are published and kills sent.
import { Clock, Effect, Layer, PubSub, Random, Stream } from "effect"
import {
  DEFAULT_LIFECYCLE_SETTINGS,
  type LifecycleContext,
  type LifecycleEvent,
  type LifecycleSettings,
  TaskWorkingSet
} from "../../domain/lifecycle/index.ts"
import { latestEvent, makeTaskId, type ScheduledTask } from "../../domain/model/index.ts"
import type { Op } from "../../domain/storage/index.ts"
import { ClusterManager } from "../../services/ClusterManager.ts"
import { StateManager, type StateManagerShape } from "../../services/StateManager.ts"
import { Storage } from "../../services/Storage.ts"

export interface StateManagerOptions {
  /** Recorded as `scheduler` on every task event. */
  readonly schedulerHost: string
  readonly settings?: LifecycleSettings
}

/** mulberry32: a fast seeded generator, so one Random draw per write keeps runs reproducible. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const hex = (random: () => number, n: number): string => {
  let s = ""
  for (let i = 0; i < n; i++) s += Math.floor(random() * 16).toString(16)
  return s
}

/** A version-4 UUID drawn from `random`. */
export const randomUuid = (random: () => number): string =>
  `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-${"89ab"[Math.floor(random() * 4)]}${hex(random, 3)}-${hex(random, 12)}`

const latestTimestamp = (t: ScheduledTask): number => latestEvent(t)?.timestamp ?? 0

export const makeStateManager = (options: StateManagerOptions) =>
  Effect.gen(function* () {
    const storage = yield* Storage
    const cluster = yield* ClusterManager
    const settings = options.settings ?? DEFAULT_LIFECYCLE_SETTINGS
    const events = yield* PubSub.unbounded<LifecycleEvent>()
    // Writes are planned one at a time but complete together (group commit), so their fibers may
    // resume in any order: events are released in planning order, a failed write releasing none.
    let planned = 0
    let released = 0
    const finished = new Map<number, ReadonlyArray<LifecycleEvent>>()
    const release = (seq: number, evs: ReadonlyArray<LifecycleEvent>) =>
      Effect.suspend(() => {
        finished.set(seq, evs)
        const out: Array<LifecycleEvent> = []
        for (let next = finished.get(released); next !== undefined; next = finished.get(released)) {
          finished.delete(released)
          released++
          out.push(...next)
        }
        return out.length > 0 ? PubSub.publishAll(events, out) : Effect.void
      })

    const sendKills = (kills: ReadonlyArray<{ taskId: string; agentId: string | undefined }>) =>
      Effect.forEach(
        kills,
        ({ taskId, agentId }) =>
          cluster
            .kill(taskId, agentId)
            .pipe(
              Effect.catchAll((e) =>
                Effect.logWarning(`kill ${taskId} not sent (${e._tag}); kill retry will repeat it`)
              )
            ),
        { discard: true }
      )

    const write: StateManagerShape["write"] = (fn) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const seed = yield* Random.nextIntBetween(0, 2 ** 31 - 1)
        const random = seededRandom(seed)
        const ctx: LifecycleContext = {
          now,
          schedulerHost: options.schedulerHost,
          settings,
          random,
          newTaskId: (config, instanceId) => makeTaskId(config, instanceId, randomUuid(random))
        }
        let seq: number | undefined
        const outcome = yield* storage
          .write((stores) => {
            seq = planned++
            const ws = new TaskWorkingSet((id) => stores.tasks.get(id))
            const result = fn(ws, ctx, stores)
            const { saved, deleted } = ws.changes()
            const ops: Array<Op> = [...(result.ops ?? [])]
            if (saved.length > 0) ops.push({ _tag: "SaveTasks", tasks: saved })
            if (deleted.length > 0) ops.push({ _tag: "RemoveTasks", taskIds: deleted })
            const kills = ws.kills.map((taskId) => ({
              taskId,
              agentId: (ws.get(taskId) ?? stores.tasks.get(taskId))?.assignedTask.slaveId
            }))
            return { ops, value: { value: result.value, events: ws.events, kills } }
          })
          .pipe(
            Effect.onExit((exit) =>
              seq === undefined ? Effect.void : release(seq, exit._tag === "Success" ? exit.value.events : [])
            )
          )
        if (outcome.kills.length > 0) yield* sendKills(outcome.kills)
        return outcome.value
      })

    const subscribe: StateManagerShape["subscribe"] = Effect.map(PubSub.subscribe(events), (queue) =>
      Stream.fromQueue(queue)
    )

    const publishInitialized: StateManagerShape["publishInitialized"] = Effect.gen(function* () {
      const tasks = yield* storage.read((stores) =>
        [...stores.tasks.values()].sort((a, b) => latestTimestamp(a) - latestTimestamp(b))
      )
      yield* PubSub.publishAll(
        events,
        tasks.map((task): LifecycleEvent => ({ _tag: "TaskStateChange", task, oldState: undefined }))
      )
      return tasks.length
    })

    return { write, subscribe, publishInitialized } satisfies StateManagerShape
  })

export const StateManagerLive = (options: StateManagerOptions) =>
  Layer.effect(StateManager, makeStateManager(options))
