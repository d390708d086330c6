import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Metric, Queue } from "effect"
import { TaskWorkingSet } from "../../../src/domain/lifecycle/index.ts"
import { statusUpdateCounter } from "../../../src/layers/scheduler/metrics.ts"
import { runStatusHandler } from "../../../src/layers/scheduler/statusUpdates.ts"
import { ClusterManager, type TaskStatusUpdate } from "../../../src/services/ClusterManager.ts"
import { SchedulerLifecycle } from "../../../src/services/SchedulerLifecycle.ts"
import { StateManager, type StateManagerShape } from "../../../src/services/StateManager.ts"
import { StorageWriteFailed } from "../../../src/services/Storage.ts"
import { makeTask } from "../storage/fixtures.ts"
import { settle } from "./harness.ts"

const update = (taskId: string, state: string, reason?: string): TaskStatusUpdate => ({
  taskId,
  state,
  timestamp: 0,
  uuid: `uuid-${taskId}-${state}`,
  ...(reason === undefined ? {} : { reason })
})

/** A StateManager over a fixed task map that records each write's batch, and may fail. */
const harness = (fail: () => boolean) => {
  const log: Array<string> = []
  const shutdowns: Array<string> = []
  const tasks = new Map([makeTask(1), makeTask(2)].map((t) => [t.assignedTask.taskId, t]))
  const stateManager: StateManagerShape = {
    write: (fn) =>
      Effect.suspend(() => {
        const ws = new TaskWorkingSet((id) => tasks.get(id))
        const ctx = {
          now: 5,
          schedulerHost: "h",
          settings: undefined as never,
          random: () => 0.5,
          newTaskId: () => "new"
        }
        const r = fn(ws, ctx, undefined as never)
        if (fail()) {
          log.push("write-failed")
          return Effect.fail(new StorageWriteFailed({ message: "log down" }))
        }
        log.push(`write:${ws.changes().saved.length}`)
        return Effect.succeed(r.value)
      }),
    subscribe: Effect.dieMessage("unused"),
    publishInitialized: Effect.succeed(0)
  }
  const layer = Layer.mergeAll(
    Layer.succeed(StateManager, stateManager),
    Layer.succeed(ClusterManager, {
      acknowledge: (u: TaskStatusUpdate) => Effect.sync(() => void log.push(`ack:${u.uuid}`))
    } as never),
    Layer.succeed(SchedulerLifecycle, {
      shutdown: (r: string) => Effect.sync(() => void shutdowns.push(r))
    } as never)
  )
  return { log, shutdowns, layer, ids: [...tasks.keys()] }
}

describe("status update batches", () => {
  it.scoped("drains up to the batch size per write and acknowledges each update only after its write", () =>
    Effect.gen(function* () {
      const h = harness(() => false)
      const [a, b] = h.ids
      const q = yield* Queue.unbounded<TaskStatusUpdate>()
      yield* Queue.offerAll(q, [
        update(a, "TASK_RUNNING"),
        update(b, "TASK_FAILED", "REASON_COMMAND_EXECUTOR_FAILED"),
        update(a, "TASK_BOGUS"),
        update(b, "TASK_RUNNING")
      ])
      const counter = statusUpdateCounter("REASON_COMMAND_EXECUTOR_FAILED", "SUCCESS")
      const before = (yield* Metric.value(counter)).count
      const fiber = yield* Effect.fork(runStatusHandler(q, 3).pipe(Effect.provide(h.layer)))
      yield* settle
      yield* Fiber.interrupt(fiber)
      // Batch one: three updates in one write (RUNNING -> RUNNING is a NOOP; FAILED saves the service
      // task and its replacement; the unknown state is skipped), then three acks.
      expect(h.log).toEqual([
        "write:2",
        `ack:uuid-${a}-TASK_RUNNING`,
        `ack:uuid-${b}-TASK_FAILED`,
        `ack:uuid-${a}-TASK_BOGUS`,
        "write:0",
        `ack:uuid-${b}-TASK_RUNNING`
      ])
      expect((yield* Metric.value(counter)).count).toBe(before + 1)
    })
  )

  it.scoped("a failed write acknowledges nothing and asks the lifecycle to shut down", () =>
    Effect.gen(function* () {
      const h = harness(() => true)
      const q = yield* Queue.unbounded<TaskStatusUpdate>()
      yield* Queue.offerAll(q, [update(h.ids[0], "TASK_KILLED"), update(h.ids[1], "TASK_LOST")])
      const fiber = yield* Effect.fork(runStatusHandler(q, 1000).pipe(Effect.provide(h.layer)))
      yield* settle
      yield* Fiber.interrupt(fiber)
      expect(h.log).toEqual(["write-failed"])
      expect(h.shutdowns.length).toBe(1)
      expect(h.shutdowns[0]).toContain("log down")
    })
  )
})
