import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { buildSnapshot } from "../../../src/domain/storage/index.ts"
import { makeMember } from "../../../src/layers/log/layers.ts"
import { makeMemoryStore } from "../../../src/layers/log/sqlite-store.ts"
import { noTransport } from "../../../src/layers/log/transport.ts"
import { makeDurableStorage } from "../../../src/layers/storage/durable.ts"
import { LogWriteTimeout, type ReplicatedLogShape } from "../../../src/services/ReplicatedLog.ts"
import type { StorageShape } from "../../../src/services/Storage.ts"
import { makeTask } from "./fixtures.ts"

/** A one-replica log whose appends are counted, and can be held or made to fail. */
const instrumented = (log: ReplicatedLogShape) => {
  const control = {
    appends: [] as Array<number>,
    hold: undefined as Deferred.Deferred<void> | undefined,
    fail: false
  }
  const wrapped: ReplicatedLogShape = {
    ...log,
    append: (entries) =>
      Effect.gen(function* () {
        control.appends.push(entries.length)
        if (control.hold !== undefined) yield* Deferred.await(control.hold)
        if (control.fail) return yield* new LogWriteTimeout({ message: "injected append failure" })
        return yield* log.append(entries)
      })
  }
  return { wrapped, control }
}

const makeLog = () => makeMember(0, [0], { quorum: 1 }, makeMemoryStore("VOTING"), noTransport)
const contents = (s: StorageShape) =>
  s.read((stores) => {
    const { timestamp: _t, ...rest } = buildSnapshot(stores, 0)
    return rest
  })
const saveTask = (s: StorageShape, i: number) =>
  s.write((stores) => ({
    ops: [{ _tag: "SaveTasks", tasks: [makeTask(i)] }],
    value: stores.tasks.has(makeTask(i).assignedTask.taskId)
  }))

describe("group commit", () => {
  it.live("concurrent writes share log appends, each completes durable, and recovery sees them all", () =>
    Effect.gen(function* () {
      const log = yield* makeLog()
      const { wrapped, control } = instrumented(log)
      const storage = yield* makeDurableStorage(wrapped)
      yield* storage.start
      control.appends.length = 0
      const results = yield* Effect.forEach(
        Array.from({ length: 300 }, (_, i) => i),
        (i) => saveTask(storage, i),
        { concurrency: "unbounded" }
      )
      expect(results.every((existed) => existed === false)).toBe(true)
      // Every entry went out, in fewer appends than writes.
      expect(control.appends.reduce((a, b) => a + b, 0)).toBe(300)
      expect(control.appends.length).toBeLessThan(300)
      expect(Math.max(...control.appends)).toBeGreaterThan(1)
      const live = yield* contents(storage)
      yield* storage.stop
      const recovered = yield* makeDurableStorage(log)
      yield* recovered.start
      expect((yield* contents(recovered)).tasks.length).toBe(300)
      expect(yield* contents(recovered)).toEqual(live)
    }).pipe(Effect.scoped)
  )

  it.live("a snapshot taken among concurrent writes keeps every write through recovery", () =>
    Effect.gen(function* () {
      const log = yield* makeLog()
      const storage = yield* makeDurableStorage(log)
      yield* storage.start
      const writes = yield* Effect.fork(
        Effect.forEach(
          Array.from({ length: 200 }, (_, i) => i),
          (i) => saveTask(storage, i),
          { concurrency: 20 }
        )
      )
      yield* Effect.yieldNow()
      const { position } = yield* storage.snapshot
      yield* Fiber.join(writes)
      expect((yield* log.position).begin).toBe(position)
      const live = yield* contents(storage)
      yield* storage.stop
      const recovered = yield* makeDurableStorage(log)
      yield* recovered.start
      expect(yield* contents(recovered)).toEqual(live)
      expect(live.tasks.length).toBe(200)
    }).pipe(Effect.scoped)
  )

  it.live("an append failure fails every waiting write and stops storage", () =>
    Effect.gen(function* () {
      const log = yield* makeLog()
      const { wrapped, control } = instrumented(log)
      const storage = yield* makeDurableStorage(wrapped)
      yield* storage.start
      yield* saveTask(storage, 0)
      const before = control.appends.length
      control.hold = yield* Deferred.make<void>()
      control.fail = true
      const fibers = yield* Effect.forEach(
        Array.from({ length: 50 }, (_, i) => i + 1),
        (i) => Effect.fork(Effect.either(saveTask(storage, i)))
      )
      yield* Effect.sleep("10 millis")
      // The held append carries the writes queued so far; any later ones wait behind it.
      expect(control.appends.length).toBe(before + 1)
      const queuedBehind = yield* Effect.forEach([51, 52, 53], (i) =>
        Effect.fork(Effect.either(saveTask(storage, i)))
      )
      yield* Deferred.succeed(control.hold, undefined)
      const results = yield* Effect.forEach([...fibers, ...queuedBehind], Fiber.join)
      expect(results.length).toBe(53)
      for (const r of results) {
        expect(r._tag).toBe("Left")
        if (r._tag === "Left") expect(r.left._tag).toBe("StorageWriteFailed")
      }
      expect(yield* storage.state).toBe("STOPPED")
      expect((yield* Effect.either(saveTask(storage, 99)))._tag).toBe("Left")
      // Only the first write is in the log.
      const recovered = yield* makeDurableStorage(log)
      yield* recovered.start
      expect((yield* contents(recovered)).tasks.map((t) => t.assignedTask.instanceId)).toEqual([0])
    }).pipe(Effect.scoped)
  )
})
