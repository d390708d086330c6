import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, Stream } from "effect"
import { changeState } from "../../../src/domain/lifecycle/index.ts"
import { scheduleAttemptsFired } from "../../../src/layers/placement/TaskSchedulerLive.ts"
import { LeaderServices } from "../../../src/layers/scheduler/leader.ts"
import {
  frameworkRegistered,
  schedulerResourceOffers,
  taskStoreGauges
} from "../../../src/layers/scheduler/metrics.ts"
import { StateManager } from "../../../src/services/StateManager.ts"
import {
  agents,
  config,
  createJob,
  makeLog,
  service,
  settle,
  startLeader,
  tasksOf,
  until
} from "./harness.ts"

const statusOf = (l: Parameters<typeof tasksOf>[0], id: string) =>
  Effect.map(
    l.storage.read((s) => s.tasks.get(id)),
    (t) => t?.status
  )

describe("leader services over storage and the simulated cluster", () => {
  it.scoped("registers, saves the framework id and agents' attributes, and counts offers", () =>
    Effect.gen(function* () {
      const offersBefore = (yield* Metric.value(schedulerResourceOffers)).count
      const l = yield* startLeader(yield* makeLog())
      const leader = service(l, LeaderServices)
      expect(yield* until(leader.isRegistered)).toBe(true)
      yield* leader.registered
      expect(yield* l.storage.read((s) => s.frameworkId)).toBe("simulated-framework")
      expect(yield* until(l.storage.read((s) => s.hostAttributes.size === 3))).toBe(true)
      const h = yield* l.storage.read((s) => s.hostAttributes.get("host1"))
      expect(h?.slaveId).toBe("sim-agent-1")
      expect(h?.attributes.find((a) => a.name === "rack")?.values).toEqual(["rack1"])
      expect((yield* Metric.value(schedulerResourceOffers)).count).toBeGreaterThanOrEqual(offersBefore + 3)
      expect((yield* Metric.value(frameworkRegistered)).value).toBe(1)
    })
  )

  it.scoped("a created job's tasks go PENDING -> ASSIGNED -> RUNNING, and are counted per status", () =>
    Effect.gen(function* () {
      const l = yield* startLeader(yield* makeLog())
      const ids = yield* createJob(l, config(1), 4)
      expect(yield* statusOf(l, ids[0])).toBe("PENDING")
      const seen = new Set<string>()
      const allRunning = Effect.map(tasksOf(l), (ts) => {
        for (const t of ts) for (const e of t.taskEvents) seen.add(e.status)
        return ts.length === 4 && ts.every((t) => t.status === "RUNNING")
      })
      expect(yield* until(allRunning)).toBe(true)
      expect([...seen]).toEqual(expect.arrayContaining(["PENDING", "ASSIGNED", "STARTING", "RUNNING"]))
      const tasks = yield* tasksOf(l)
      for (const t of tasks) {
        expect(t.assignedTask.slaveId).toMatch(/^sim-agent-/)
        expect(l.cluster.control.taskState(t.assignedTask.taskId)).toBe("TASK_RUNNING")
      }
      expect(yield* until(Effect.sync(() => l.cluster.control.unacknowledged() === 0))).toBe(true)
      expect((yield* Metric.value(taskStoreGauges.get("RUNNING")!)).value).toBe(4)
      expect((yield* Metric.value(taskStoreGauges.get("PENDING")!)).value).toBe(0)
    })
  )

  it.scoped("one scheduling attempt assigns its whole batch in one logged transaction", () =>
    Effect.gen(function* () {
      const firedBefore = (yield* Metric.value(scheduleAttemptsFired)).count
      // One task per offer: five agents, so one attempt can place all five.
      const l = yield* startLeader(yield* makeLog(), { maxTasksPerScheduleAttempt: 5 }, { agents: agents(5) })
      const assignedPerChange: Array<number> = []
      yield* Effect.forkScoped(
        Stream.runForEach(l.storage.changes, (c) =>
          Effect.sync(() => {
            for (const op of c.ops)
              if (op._tag === "SaveTasks") {
                const n = op.tasks.filter((t) => t.status === "ASSIGNED").length
                if (n > 0) assignedPerChange.push(n)
              }
          })
        )
      )
      yield* settle
      yield* createJob(l, config(9), 5)
      expect(yield* until(Effect.sync(() => assignedPerChange.reduce((a, b) => a + b, 0) >= 5))).toBe(true)
      expect(assignedPerChange).toEqual([5])
      expect((yield* Metric.value(scheduleAttemptsFired)).count).toBeGreaterThan(firedBefore)
    })
  )

  it.scoped("kill: RUNNING -> KILLING sends a kill, and the cluster's answer makes it KILLED", () =>
    Effect.gen(function* () {
      const l = yield* startLeader(yield* makeLog())
      const [id] = yield* createJob(l, { ...config(2), isService: false }, 1)
      expect(yield* until(Effect.map(statusOf(l, id), (s) => s === "RUNNING"))).toBe(true)
      const r = yield* service(l, StateManager).write((ws, ctx) => ({
        value: changeState(ws, id, "KILLING", ctx, { message: "Killed by test" })
      }))
      expect(r).toBe("SUCCESS")
      expect(yield* until(Effect.map(statusOf(l, id), (s) => s === "KILLED"))).toBe(true)
      const t = yield* l.storage.read((s) => s.tasks.get(id)!)
      expect(t.taskEvents.map((e) => e.status)).toEqual([
        "PENDING",
        "ASSIGNED",
        "STARTING",
        "RUNNING",
        "KILLING",
        "KILLED"
      ])
      // Killed tasks are not rescheduled once they were KILLING; the cluster saw the kill.
      expect(l.cluster.control.taskState(id)).toBe(undefined)
      expect((yield* tasksOf(l)).length).toBe(1)
    })
  )
})
