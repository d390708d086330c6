import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Metric, TestClock } from "effect"
import { assignTask, changeState } from "../../../src/domain/lifecycle/index.ts"
import { taskKillRetries, tasksPruned, timedOutTasks } from "../../../src/layers/scheduler/metrics.ts"
import type { ClusterManagerShape, ReconcileTask } from "../../../src/services/ClusterManager.ts"
import { StateManager } from "../../../src/services/StateManager.ts"
import {
  agents,
  config,
  createJob,
  type Leader,
  makeLog,
  service,
  startLeader,
  tasksOf,
  until
} from "./harness.ts"

const MINUTE = 60_000
const statusOf = (l: Leader, id: string) =>
  Effect.map(
    l.storage.read((s) => s.tasks.get(id)),
    (t) => t?.status
  )
const count = (c: Metric.Metric.Counter<number>) => Effect.map(Metric.value(c), (s) => s.count)

/** Drops the first `n` launches: their tasks stay ASSIGNED with nothing running. */
const dropLaunches =
  (n: number) =>
  (m: ClusterManagerShape): ClusterManagerShape => {
    let left = n
    return { ...m, launch: (o, t, r) => (left-- > 0 ? Effect.void : m.launch(o, t, r)) }
  }

describe("leader timers", () => {
  it.scoped("a task stuck in ASSIGNED times out to LOST after 5 min, is killed and rescheduled", () =>
    Effect.gen(function* () {
      const before = yield* count(timedOutTasks)
      const kills: Array<string> = []
      const l = yield* startLeader(yield* makeLog(), {}, { agents: agents(2) }, (m) => ({
        ...dropLaunches(1)(m),
        // Reconciliation would find the task unknown sooner: only the timeout may act here.
        reconcile: () => Effect.void,
        kill: (id, agent) =>
          Effect.zipRight(
            Effect.sync(() => kills.push(id)),
            m.kill(id, agent)
          )
      }))
      const [id] = yield* createJob(l, config(3), 1)
      expect(yield* until(Effect.map(statusOf(l, id), (s) => s === "ASSIGNED"))).toBe(true)
      const assignedAt = yield* Clock.currentTimeMillis
      yield* TestClock.adjust(4.5 * MINUTE)
      expect(yield* statusOf(l, id)).toBe("ASSIGNED")
      expect(
        yield* until(
          Effect.map(statusOf(l, id), (s) => s === "LOST"),
          1000
        )
      ).toBe(true)
      const lost = yield* l.storage.read((s) => s.tasks.get(id)!)
      const event = lost.taskEvents[lost.taskEvents.length - 1]
      expect(event.message).toBe("Task timed out")
      expect(event.timestamp - assignedAt).toBeGreaterThanOrEqual(5 * MINUTE - 1000)
      expect(kills).toContain(id)
      expect(yield* count(timedOutTasks)).toBe(before + 1)
      const replacement = Effect.map(tasksOf(l), (ts) =>
        ts.find((t) => t.ancestorId === id && t.status === "RUNNING")
      )
      expect(yield* until(Effect.map(replacement, (t) => t !== undefined))).toBe(true)
    })
  )

  it.scoped("kill retry resends the kill of a KILLING task with backoff until it ends", () =>
    Effect.gen(function* () {
      const before = yield* count(taskKillRetries)
      const kills: Array<{ id: string; at: number }> = []
      const l = yield* startLeader(yield* makeLog(), {}, { agents: agents(1) }, (m) => ({
        ...m,
        // The cluster never hears the kills.
        kill: (id) =>
          Effect.flatMap(Clock.currentTimeMillis, (at) => Effect.sync(() => kills.push({ id, at })))
      }))
      const [id] = yield* createJob(l, config(4), 1)
      expect(yield* until(Effect.map(statusOf(l, id), (s) => s === "RUNNING"))).toBe(true)
      yield* service(l, StateManager).write((ws, ctx) => ({ value: changeState(ws, id, "KILLING", ctx) }))
      const t0 = yield* Clock.currentTimeMillis
      expect(kills.length).toBe(1)
      expect(
        yield* until(
          Effect.sync(() => kills.length >= 3),
          1000,
          3 * MINUTE
        )
      ).toBe(true)
      // First retry in [15 s, 30 s], the next one at least as far again.
      expect(kills[1].at - t0).toBeGreaterThanOrEqual(15_000)
      expect(kills[1].at - t0).toBeLessThanOrEqual(31_000)
      expect(kills[2].at - kills[1].at).toBeGreaterThanOrEqual(kills[1].at - t0 - 1000)
      expect(yield* until(Effect.map(count(taskKillRetries), (n) => n >= before + 2))).toBe(true)
      // The transient timeout ends it: KILLING -> LOST, and the retries stop.
      expect(
        yield* until(
          Effect.map(statusOf(l, id), (s) => s === "LOST"),
          5000,
          6 * MINUTE
        )
      ).toBe(true)
      const n = kills.length
      yield* TestClock.adjust(10 * MINUTE)
      expect(kills.length).toBe(n)
    })
  )

  it.scoped("reconciliation: explicit and implicit on registration, then at 1 min and 31 min", () =>
    Effect.gen(function* () {
      const calls: Array<{ at: number; tasks: ReadonlyArray<ReconcileTask> }> = []
      const start = yield* Clock.currentTimeMillis
      const l = yield* startLeader(yield* makeLog(), {}, { agents: agents(1) }, (m) => ({
        ...m,
        reconcile: (tasks) =>
          Effect.flatMap(Clock.currentTimeMillis, (at) =>
            Effect.sync(() => calls.push({ at: at - start, tasks }))
          )
      }))
      const [id] = yield* createJob(l, config(5), 1)
      expect(
        yield* until(
          Effect.map(statusOf(l, id), (s) => s === "RUNNING"),
          1000
        )
      ).toBe(true)
      // On registration: explicit over the SLAVE_ASSIGNED set (empty then, so no call), then implicit.
      expect(calls).toEqual([{ at: 0, tasks: [] }])
      yield* until(
        Effect.sync(() => calls.length >= 4),
        60_000,
        62 * MINUTE
      )
      const later = calls.slice(1)
      expect(later[0]).toEqual({ at: MINUTE, tasks: [{ taskId: id, agentId: "sim-agent-0" }] })
      expect(later[1]).toEqual({ at: 31 * MINUTE, tasks: [] })
      expect(later[2].at).toBe(61 * MINUTE)
      expect(later[2].tasks.length).toBe(1)
    })
  )

  it.scoped("history pruning: per-job cap of old terminal tasks, then per-task expiry", () =>
    Effect.gen(function* () {
      const before = yield* count(tasksPruned)
      const l = yield* startLeader(
        yield* makeLog(),
        {
          historyMaxPerJobThreshold: 2,
          historyMinRetentionThresholdMs: MINUTE,
          historyPruneThresholdMs: 60 * MINUTE
        },
        {
          agents: agents(2),
          behaviour: (spec) => ({
            durationMs: spec.taskId.includes("-3-") ? 3 * MINUTE : 1000,
            outcome: "TASK_FINISHED"
          })
        }
      )
      const ids = yield* createJob(l, { ...config(6), isService: false }, 4)
      const finished = (n: number) =>
        Effect.map(tasksOf(l), (ts) => ts.filter((t) => t.status === "FINISHED").length >= n)
      expect(yield* until(finished(3), 1000)).toBe(true)
      expect(
        yield* until(
          Effect.map(statusOf(l, ids[3]), (s) => s === "FINISHED"),
          1000,
          5 * MINUTE
        )
      ).toBe(true)
      // The fourth terminal task puts the job over its cap of 2: the two oldest old-enough ones go.
      expect(
        yield* until(
          Effect.map(tasksOf(l), (ts) => ts.length === 2),
          100,
          1000
        )
      ).toBe(true)
      const left = (yield* tasksOf(l)).map((t) => t.assignedTask.taskId)
      expect(left).toContain(ids[3])
      expect(yield* count(tasksPruned)).toBe(before + 2)
      // Per-task expiry: an hour after each finished, every one is gone.
      expect(
        yield* until(
          Effect.map(tasksOf(l), (ts) => ts.length === 0),
          MINUTE,
          70 * MINUTE
        )
      ).toBe(true)
      expect(yield* count(tasksPruned)).toBe(before + 4)
    })
  )

  it.scoped("a PARTITIONED task is forced to LOST after its policy's delay and rescheduled", () =>
    Effect.gen(function* () {
      const l = yield* startLeader(yield* makeLog(), {}, { agents: agents(1) }, (m) => ({
        ...m,
        reconcile: () => Effect.void
      }))
      const cfg = { ...config(8), partitionPolicy: { reschedule: true, delaySecs: 120 } }
      const [id] = yield* createJob(l, cfg, 1)
      expect(yield* until(Effect.map(statusOf(l, id), (s) => s === "RUNNING"))).toBe(true)
      yield* service(l, StateManager).write((ws, ctx) => ({ value: changeState(ws, id, "PARTITIONED", ctx) }))
      yield* TestClock.adjust(110_000)
      expect(yield* statusOf(l, id)).toBe("PARTITIONED")
      expect(
        yield* until(
          Effect.map(statusOf(l, id), (s) => s === "LOST"),
          1000,
          20_000
        )
      ).toBe(true)
      const t = yield* l.storage.read((s) => s.tasks.get(id)!)
      expect(t.taskEvents[t.taskEvents.length - 1].message).toBe("Task partitioned for too long.")
      expect(yield* until(Effect.map(tasksOf(l), (ts) => ts.some((x) => x.ancestorId === id)))).toBe(true)
    })
  )

  it.scoped("a THROTTLED replacement becomes PENDING after its flapping penalty", () =>
    Effect.gen(function* () {
      const l = yield* startLeader(yield* makeLog(), {}, { agents: [] })
      const [id] = yield* createJob(l, config(10), 1)
      // Two generations that ran for a moment and failed: the third is throttled (§3.2's lag).
      const sm = service(l, StateManager)
      const runAndFail = (taskId: string) =>
        sm.write((ws, ctx) => {
          assignTask(ws, taskId, { host: "h", agentId: "a", ports: {} }, ctx)
          changeState(ws, taskId, "RUNNING", ctx)
          changeState(ws, taskId, "FAILED", ctx)
          return { value: [...ws.changes().saved].find((t) => t.ancestorId === taskId)?.assignedTask.taskId }
        })
      const second = yield* runAndFail(id)
      expect(second).toBeDefined()
      yield* TestClock.adjust(1000)
      const third = yield* runAndFail(second!)
      expect(yield* statusOf(l, third!)).toBe("THROTTLED")
      const since = yield* Clock.currentTimeMillis
      expect(
        yield* until(
          Effect.map(statusOf(l, third!), (s) => s === "PENDING"),
          5000,
          6 * MINUTE
        )
      ).toBe(true)
      const t = yield* l.storage.read((s) => s.tasks.get(third!)!)
      const waited = t.taskEvents[t.taskEvents.length - 1].timestamp - since
      // The penalty starts at initial_flapping_task_delay (30 s) and is capped at 5 min.
      expect(waited).toBeGreaterThanOrEqual(25_000)
      expect(waited).toBeLessThanOrEqual(5 * MINUTE + 5000)
    })
  )

  it.scoped("after a restart, replayed tasks re-arm their timers and PENDING tasks are scheduled again", () =>
    Effect.gen(function* () {
      const log = yield* makeLog()
      const created = yield* Effect.scoped(
        Effect.gen(function* () {
          // No agents: the job stays PENDING; one task is put on a (made-up) agent by hand.
          const l = yield* startLeader(log, {}, { agents: [] }, (m) => ({
            ...m,
            reconcile: () => Effect.void
          }))
          const ids = yield* createJob(l, config(7), 3)
          yield* service(l, StateManager).write((ws, ctx) => ({
            value: assignTask(ws, ids[0], { host: "gone", agentId: "gone-agent", ports: {} }, ctx)
          }))
          yield* l.storage.stop
          return ids
        })
      )
      const l2 = yield* startLeader(log, {}, { agents: agents(2) }, (m) => ({
        ...m,
        // Keep reconciliation from settling the ASSIGNED task: only its replayed timeout may.
        reconcile: () => Effect.void
      }))
      expect(yield* statusOf(l2, created[0])).toBe("ASSIGNED")
      const running = (id: string) => Effect.map(statusOf(l2, id), (s) => s === "RUNNING")
      // Startup delay: within 30 s (plus the first attempt) the PENDING tasks run.
      expect(
        yield* until(
          Effect.zipWith(running(created[1]), running(created[2]), (a, b) => a && b),
          1000,
          35_000
        )
      ).toBe(true)
      expect(yield* statusOf(l2, created[0])).toBe("ASSIGNED")
      expect(
        yield* until(
          Effect.map(statusOf(l2, created[0]), (s) => s === "LOST"),
          5000,
          6 * MINUTE
        )
      ).toBe(true)
      const replacement = Effect.map(tasksOf(l2), (ts) =>
        ts.find((t) => t.ancestorId === created[0] && t.status === "RUNNING")
      )
      expect(yield* until(Effect.map(replacement, (t) => t !== undefined))).toBe(true)
    })
  )
})
