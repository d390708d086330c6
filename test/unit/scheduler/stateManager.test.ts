import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Fiber, Layer, Stream } from "effect"
import type { LifecycleEvent } from "../../../src/domain/lifecycle/index.ts"
import { insertPendingTasks } from "../../../src/domain/lifecycle/index.ts"
import { SimulatedClusterManager } from "../../../src/layers/cluster/simulated.ts"
import { makeStateManager } from "../../../src/layers/scheduler/StateManagerLive.ts"
import { makeDurableStorage } from "../../../src/layers/storage/durable.ts"
import { ClusterManager } from "../../../src/services/ClusterManager.ts"
import { Storage, type StorageShape } from "../../../src/services/Storage.ts"
import { config, makeLog } from "./harness.ts"

const jobOf = (e: LifecycleEvent) => (e._tag === "TaskStateChange" ? e.task.assignedTask.task.job.name : "?")

describe("StateManager", () => {
  it.scoped("publishes events in the order writes were planned, even when they complete out of order", () =>
    Effect.gen(function* () {
      const real = yield* makeDurableStorage(yield* makeLog())
      yield* real.start
      // The first write's fiber resumes only once the gate opens, after the second write is done.
      const gate = yield* Deferred.make<void>()
      let writes = 0
      const storage: StorageShape = {
        ...real,
        write: (fn) =>
          writes++ === 0 ? Effect.zipLeft(real.write(fn), Deferred.await(gate)) : real.write(fn)
      }
      const cluster = Context.get(yield* Layer.build(SimulatedClusterManager({ agents: [] })), ClusterManager)
      const sm = yield* makeStateManager({ schedulerHost: "test" }).pipe(
        Effect.provideService(Storage, storage),
        Effect.provideService(ClusterManager, cluster)
      )
      const seen = yield* Effect.fork(Stream.runCollect(Stream.take(yield* sm.subscribe, 2)))
      const insert = (job: number) =>
        sm.write((ws, ctx) => {
          insertPendingTasks(ws, config(job), [0], [], ctx)
          return { value: undefined }
        })
      const first = yield* Effect.fork(insert(1))
      while ((yield* real.read((s) => s.tasks.size)) < 1) yield* Effect.yieldNow()
      yield* insert(2)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(first)
      const events = [...(yield* Fiber.join(seen))]
      expect(events.map(jobOf)).toEqual([config(1).job.name, config(2).job.name])
    })
  )
})
