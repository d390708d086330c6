// One contract for every Coordinator layer (embedded here, real ZooKeeper in test/integration), so
// the twins cannot drift apart. `open` gives a fresh session on the shared backend.

import { Chunk, Effect, Either, Exit, Fiber, Option, Schedule, type Scope, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { type CoordinatorService, fromUtf8, utf8 } from "../../../src/services/Coordinator.ts"

export interface ContractBackend {
  readonly open: () => Effect.Effect<CoordinatorService, unknown, Scope.Scope>
}

let counter = 0
/** A unique base path per test so tests sharing one server do not see each other. */
const base = () => `/contract-${process.pid}-${Date.now()}-${counter++}`

const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Promise<A> =>
  Effect.runPromise(Effect.scoped(effect) as Effect.Effect<A, never>)

const errorTag = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.either(effect), (r) => (Either.isLeft(r) ? (r.left as { _tag: string })._tag : "ok"))

export const coordinatorContract = (name: string, backend: () => ContractBackend) =>
  describe(`Coordinator contract: ${name}`, () => {
    it("creates, reads, updates and deletes persistent nodes", () =>
      run(
        Effect.gen(function* () {
          const zk = yield* backend().open()
          const root = base()
          expect(yield* zk.create(root, utf8("hello"))).toBe(root)
          const read = yield* zk.getData(root)
          expect(fromUtf8(read.data)).toBe("hello")
          expect(read.stat.version).toBe(0)
          expect(read.stat.ephemeralOwner).toBeUndefined()
          const stat = yield* zk.setData(root, utf8("again"))
          expect(stat.version).toBe(1)
          expect(fromUtf8((yield* zk.getData(root)).data)).toBe("again")
          expect(yield* errorTag(zk.setData(root, utf8("x"), 0))).toBe("BadVersion")
          expect(yield* errorTag(zk.delete(root, 0))).toBe("BadVersion")
          expect(Option.isSome(yield* zk.exists(root))).toBe(true)
          yield* zk.delete(root, 1)
          expect(Option.isNone(yield* zk.exists(root))).toBe(true)
        })
      ))

    it("reports missing, existing and non-empty nodes with typed errors", () =>
      run(
        Effect.gen(function* () {
          const zk = yield* backend().open()
          const root = base()
          expect(yield* errorTag(zk.create(`${root}/a/b`))).toBe("NoNode")
          yield* zk.create(root)
          expect(yield* errorTag(zk.create(root))).toBe("NodeExists")
          yield* zk.create(`${root}/child`)
          expect(yield* errorTag(zk.delete(root))).toBe("NotEmpty")
          expect(yield* errorTag(zk.delete(`${root}/missing`))).toBe("NoNode")
          expect(yield* errorTag(zk.getData(`${root}/missing`))).toBe("NoNode")
          expect(yield* errorTag(zk.getChildren(`${root}/missing`))).toBe("NoNode")
          expect(yield* errorTag(zk.getChildren("no-slash"))).toBe("InvalidPath")
          expect(yield* errorTag(zk.create(`${root}/`))).toBe("InvalidPath")
          expect(yield* errorTag(zk.exists(`${root}//x`))).toBe("InvalidPath")
          yield* zk.create(`${root}/eph`, undefined, "EPHEMERAL")
          expect(yield* errorTag(zk.create(`${root}/eph/kid`))).toBe("NoChildrenForEphemerals")
        })
      ))

    it("mkdirp creates missing ancestors and accepts an existing path", () =>
      run(
        Effect.gen(function* () {
          const zk = yield* backend().open()
          const root = base()
          yield* zk.mkdirp(`${root}/x/y/z`)
          yield* zk.mkdirp(`${root}/x/y/z`)
          expect(yield* zk.getChildren(`${root}/x`)).toEqual(["y"])
          expect(Option.isSome(yield* zk.exists(`${root}/x/y/z`))).toBe(true)
        })
      ))

    it("numbers sequential nodes with ten digits, counting creations under the parent", () =>
      run(
        Effect.gen(function* () {
          const zk = yield* backend().open()
          const root = base()
          yield* zk.create(root)
          const a = yield* zk.create(`${root}/member_`, utf8("a"), "EPHEMERAL_SEQUENTIAL")
          const b = yield* zk.create(`${root}/member_`, utf8("b"), "PERSISTENT_SEQUENTIAL")
          yield* zk.delete(b)
          const c = yield* zk.create(`${root}/member_`, utf8("c"), "EPHEMERAL_SEQUENTIAL")
          expect(a).toBe(`${root}/member_0000000000`)
          expect(b).toBe(`${root}/member_0000000001`)
          // Deletes do not advance the counter (ZooKeeper 3.8).
          expect(c).toBe(`${root}/member_0000000002`)
          expect(yield* zk.getChildren(root)).toEqual(["member_0000000000", "member_0000000002"])
          const owner = (yield* zk.getData(a)).stat.ephemeralOwner
          expect(owner).toBeDefined()
          expect(Option.getOrUndefined(yield* zk.sessionId)).toBe(owner)
        })
      ))

    it("removes a session's ephemeral nodes when it closes, as seen by another session", () =>
      run(
        Effect.gen(function* () {
          const b = backend()
          const observer = yield* b.open()
          const root = base()
          yield* observer.create(root)
          const owner = yield* Effect.scoped(
            Effect.gen(function* () {
              const zk = yield* b.open()
              yield* zk.create(`${root}/e`, utf8("x"), "EPHEMERAL")
              yield* zk.create(`${root}/p`, utf8("x"), "PERSISTENT")
              expect(yield* observer.getChildren(root)).toEqual(["e", "p"])
              const watched = yield* observer.watchChildren(root)
              yield* zk.close
              expect(yield* zk.state).toBe("CLOSED")
              expect(yield* errorTag(zk.getChildren(root))).toBe("CoordinatorUnavailable")
              return watched
            })
          )
          expect(yield* owner.changed).toBe("NodeChildrenChanged")
          expect(yield* observer.getChildren(root)).toEqual(["p"])
        })
      ))

    it("fires one-shot watches for children, data, creation and deletion", () =>
      run(
        Effect.gen(function* () {
          const b = backend()
          const zk = yield* b.open()
          const other = yield* b.open()
          const root = base()
          const created = yield* zk.watchExists(root)
          expect(Option.isNone(created.value)).toBe(true)
          yield* other.create(root, utf8("v0"))
          expect(yield* created.changed).toBe("NodeCreated")

          const kids = yield* zk.watchChildren(root)
          expect(kids.value).toEqual([])
          const data = yield* zk.watchData(root)
          yield* other.create(`${root}/k`)
          expect(yield* kids.changed).toBe("NodeChildrenChanged")
          yield* other.setData(root, utf8("v1"))
          expect(yield* data.changed).toBe("NodeDataChanged")

          const gone = yield* zk.watchExists(`${root}/k`)
          expect(Option.isSome(gone.value)).toBe(true)
          yield* other.delete(`${root}/k`)
          expect(yield* gone.changed).toBe("NodeDeleted")
        })
      ))

    it("streams child lists as they change, from a missing node on", () =>
      run(
        Effect.gen(function* () {
          const b = backend()
          const zk = yield* b.open()
          const other = yield* b.open()
          const root = base()
          const seen = yield* zk.children(root).pipe(
            Stream.takeUntil((l) => l.join() === "b"),
            Stream.runCollect,
            Effect.fork
          )
          const waitFor = (expected: ReadonlyArray<string>) =>
            zk.getChildren(root).pipe(
              Effect.orElseSucceed(() => [] as ReadonlyArray<string>),
              Effect.repeat({
                until: (c) => c.join() === expected.join(),
                schedule: Schedule.spaced("20 millis")
              }),
              Effect.zipRight(Effect.sleep("50 millis"))
            )
          yield* Effect.sleep("100 millis")
          yield* other.create(root)
          yield* other.create(`${root}/a`)
          yield* waitFor(["a"])
          yield* other.create(`${root}/b`, undefined, "EPHEMERAL")
          yield* waitFor(["a", "b"])
          yield* other.delete(`${root}/a`)
          const lists = Chunk.toReadonlyArray(yield* Fiber.join(seen).pipe(Effect.timeout("10 seconds")))
          // The first value is [] (missing); then every distinct state in order.
          expect(lists[0]).toEqual([])
          expect(lists[lists.length - 1]).toEqual(["b"])
          expect(lists).toContainEqual(["a", "b"])
        })
      ))

    it("starts CONNECTED, ends CLOSED, and ends watches when closed", () =>
      run(
        Effect.gen(function* () {
          const zk = yield* backend().open()
          expect(yield* zk.state).toBe("CONNECTED")
          const root = base()
          const w = yield* zk.watchExists(root)
          const states = yield* zk.states.pipe(Stream.runCollect, Effect.fork)
          yield* Effect.sleep("20 millis")
          yield* zk.close
          yield* zk.close
          expect(yield* w.changed).toBe("Closed")
          const all = Chunk.toReadonlyArray(yield* Fiber.join(states))
          expect(all[all.length - 1]).toBe("CLOSED")
          const exit = yield* Effect.exit(zk.create(root))
          expect(Exit.isFailure(exit)).toBe(true)
        })
      ))
  })
