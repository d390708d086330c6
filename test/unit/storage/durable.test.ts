import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Fiber, Layer, Stream } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { buildSnapshot, emptyStores, type Op } from "../../../src/domain/storage/index.ts"
import { layerEmbedded, makeMember } from "../../../src/layers/log/layers.ts"
import { makeMemoryNetwork } from "../../../src/layers/log/memory-transport.ts"
import { makeMemoryStore, makeSqliteStore } from "../../../src/layers/log/sqlite-store.ts"
import { writeBackup } from "../../../src/layers/storage/backups.ts"
import { encodeSnapshot, encodeTransaction } from "../../../src/layers/storage/codec.ts"
import { layerStorage, makeDurableStorage, snapshotEvery } from "../../../src/layers/storage/durable.ts"
import { ReplicatedLog } from "../../../src/services/ReplicatedLog.ts"
import { opsOnly, Storage } from "../../../src/services/Storage.ts"
import { makeCronJob, makeHost, makeTask } from "./fixtures.ts"

const dirs: Array<string> = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "aurora-storage-"))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const initialized = (dir: string) =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(makeSqliteStore(dir), (s) => s.initialize)))

const withStorage = <A, E>(
  dir: string,
  body: Effect.Effect<A, E, Storage | ReplicatedLog>,
  backupDir?: string,
  maxEntrySize?: number
) => {
  const log = layerEmbedded(dir)
  return Effect.runPromise(
    body.pipe(
      Effect.provide(Layer.provideMerge(layerStorage({ backupDir, maxEntrySize, maxSavedBackups: 3 }), log))
    )
  )
}

const contents = Effect.flatMap(Storage, (s) =>
  s.read((stores) => {
    const { timestamp: _t, ...rest } = buildSnapshot(stores, 0)
    return rest
  })
)

const someWrites = (from: number, count: number) =>
  Effect.gen(function* () {
    const storage = yield* Storage
    for (let i = from; i < from + count; i++) {
      const ops: Array<Op> = [{ _tag: "SaveTasks", tasks: [makeTask(i), makeTask(i + 10_000)] }]
      if (i % 3 === 0) ops.push({ _tag: "RemoveTasks", taskIds: [makeTask(i + 10_000).assignedTask.taskId] })
      if (i % 7 === 0) ops.push({ _tag: "SaveCronJob", jobConfig: makeCronJob(i) })
      if (i % 5 === 0) ops.push({ _tag: "SaveHostAttributes", hostAttributes: makeHost(i) })
      if (i % 11 === 0)
        ops.push({ _tag: "SaveQuota", role: `role${i}`, quota: { resources: [{ numCpus: i }] } })
      yield* storage.write((s) => opsOnly(...ops, { _tag: "SaveFrameworkId", id: `fw-${s.tasks.size}` }))
    }
  })

describe("durable storage over the log", () => {
  it("is not READY before start, and writes become readable after it", async () => {
    const dir = tmp()
    await initialized(dir)
    const r = await withStorage(
      dir,
      Effect.gen(function* () {
        const storage = yield* Storage
        const before = yield* Effect.either(storage.read((s) => s.tasks.size))
        yield* storage.start
        const n = yield* storage.write((s) => ({
          ops: [{ _tag: "SaveTasks", tasks: [makeTask(1)] }],
          value: s.tasks.size
        }))
        return { before, n, after: yield* storage.read((s) => s.tasks.size) }
      })
    )
    expect(r.before._tag === "Left" && r.before.left.message).toBe("Storage is not READY")
    expect(r).toMatchObject({ n: 0, after: 1 })
  })

  it("recovery after a snapshot and N transactions rebuilds exactly the same stores, and the log is truncated", async () => {
    const dir = tmp()
    await initialized(dir)
    const first = await withStorage(
      dir,
      Effect.gen(function* () {
        const storage = yield* Storage
        yield* storage.start
        yield* someWrites(0, 30)
        const { position } = yield* storage.snapshot
        yield* someWrites(30, 25)
        const log = yield* ReplicatedLog
        return { position, begin: (yield* log.position).begin, state: yield* contents }
      }),
      undefined,
      4096
    )
    expect(first.begin).toBe(first.position)
    const second = await withStorage(
      dir,
      Effect.gen(function* () {
        const storage = yield* Storage
        yield* storage.start
        return yield* contents
      })
    )
    expect(second).toEqual(first.state)
    expect(second.tasks.length).toBeGreaterThan(50)
  })

  it("the periodic snapshot service snapshots and truncates on its interval", async () => {
    const dir = tmp()
    await initialized(dir)
    const r = await withStorage(
      dir,
      Effect.gen(function* () {
        const storage = yield* Storage
        yield* storage.start
        yield* someWrites(0, 5)
        const log = yield* ReplicatedLog
        const before = (yield* log.position).begin
        const fiber = yield* Effect.fork(snapshotEvery(30))
        let after = before
        for (let i = 0; i < 200 && after === before; i++) {
          yield* Effect.sleep("10 millis")
          after = (yield* log.position).begin
        }
        yield* Fiber.interrupt(fiber)
        return { before, after }
      })
    )
    expect(r.after).toBeGreaterThan(r.before)
  })

  it("a write whose append fails fails, is never published as applied, and stops storage (no quorum reachable)", async () => {
    const network = makeMemoryNetwork(3)
    const stores = [0, 1, 2].map(() => makeMemoryStore("VOTING"))
    const result = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const settings = { quorum: 2, retryMs: 10, writeTimeoutMs: 300 }
          const members = yield* Effect.forEach([0, 1, 2], (i) =>
            makeMember(i, [0, 1, 2], settings, stores[i], network.transport(i))
          )
          const storage = yield* makeDurableStorage(members[0])
          yield* storage.start
          const applied: Array<number> = []
          yield* storage.changes.pipe(
            Stream.runForEach((c) => Effect.sync(() => applied.push(c.ops.length))),
            Effect.forkScoped
          )
          yield* Effect.yieldNow()
          yield* storage.write(() => opsOnly({ _tag: "SaveTasks", tasks: [makeTask(1)] }))
          const planned: Array<number> = []
          network.faults.isolated.add(0)
          const failed = yield* Effect.either(
            storage.write((s) => {
              planned.push(s.tasks.size)
              return opsOnly({ _tag: "SaveTasks", tasks: [makeTask(2)] })
            })
          )
          yield* Effect.sleep("20 millis")
          const readAfter = yield* Effect.either(storage.read((s) => s.tasks.size))
          return { failed, state: yield* storage.state, applied, planned, readAfter }
        })
      )
    )
    expect(result.planned).toEqual([1])
    expect(result.failed._tag === "Left" && result.failed.left.message).toMatch(
      /Failed to persist storage changes: log append not acknowledged by a quorum/
    )
    // Only the first transaction became durable; after a failed append storage stops serving (memory
    // may hold the unpersisted change, as in Aurora, but nobody can read it any more).
    expect(result.applied).toEqual([1])
    expect(result.state).toBe("STOPPED")
    expect(result.readAfter._tag).toBe("Left")
  })

  it("a corrupted or truncated entry stops recovery with an error naming its position", async () => {
    for (const bad of [
      Uint8Array.from(Buffer.from('T{"ops":[{"_tag":"SaveTa')),
      encodeSnapshot(buildSnapshot(emptyStores(), 1))[0].slice(0, 8)
    ]) {
      const dir = tmp()
      await initialized(dir)
      const exit = await Effect.runPromiseExit(
        Effect.gen(function* () {
          const log = yield* ReplicatedLog
          yield* log.append([encodeTransaction([{ _tag: "SaveFrameworkId", id: "x" }]), bad])
          const storage = yield* makeDurableStorage(log)
          yield* storage.start
        }).pipe(Effect.provide(layerEmbedded(dir)))
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(Exit.isFailure(exit) && exit.cause)).toMatch(
        /StorageRecoveryFailed.*log entry at position 2 is corrupt/
      )
    }
  })

  it("backs up with retention and runs the staged recovery flow", async () => {
    const dir = tmp()
    const backups = tmp()
    await initialized(dir)
    const r = await withStorage(
      dir,
      Effect.gen(function* () {
        const storage = yield* Storage
        yield* storage.start
        yield* someWrites(0, 10)
        const name = yield* storage.backupNow
        const noneLoaded = yield* Effect.either(storage.recovery.query({}))
        const missing = yield* Effect.either(storage.recovery.stage("scheduler-backup-nope"))
        yield* storage.recovery.stage(name)
        const again = yield* Effect.either(storage.recovery.stage(name))
        const staged = yield* storage.recovery.query({ jobName: "job3" })
        const deleted = yield* storage.recovery.deleteTasks({ jobName: "job3" })
        yield* someWrites(10, 5) // live changes after the backup are discarded by the commit
        const expected = (yield* storage.recovery.query({})).map((t) => t.assignedTask.taskId)
        yield* storage.recovery.commit
        return { name, noneLoaded, missing, again, staged, deleted, expected, state: yield* storage.state }
      }),
      backups
    )
    expect(r.noneLoaded._tag === "Left" && r.noneLoaded.left.message).toBe("No backup loaded.")
    expect(r.missing._tag === "Left" && r.missing.left.message).toMatch(
      /^Backup .*scheduler-backup-nope does not exist\.$/
    )
    expect(r.again._tag === "Left" && r.again.left.message).toBe("Another backup is already loaded.")
    expect(r.staged.length).toBeGreaterThan(0)
    expect(r.deleted).toBe(r.staged.length)
    expect(r.state).toBe("STOPPED")
    const recovered = await withStorage(
      dir,
      Effect.gen(function* () {
        const storage = yield* Storage
        yield* storage.start
        return yield* storage.read((s) => [...s.tasks.keys()].sort())
      })
    )
    expect(recovered).toEqual([...r.expected].sort())
    const retained = tmp()
    for (const minute of [1, 2, 3, 4, 5])
      writeBackup(retained, buildSnapshot(emptyStores(), 0), minute * 60_000, 3)
    expect(readdirSync(retained)).toEqual([
      "scheduler-backup-1970-01-01-00-03",
      "scheduler-backup-1970-01-01-00-04",
      "scheduler-backup-1970-01-01-00-05"
    ])
  })
})
