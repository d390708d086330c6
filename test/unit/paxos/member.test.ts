import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope, Stream } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { layerEmbedded, makeMember } from "../../../src/layers/log/layers.ts"
import { makeMemoryNetwork } from "../../../src/layers/log/memory-transport.ts"
import { makeMemoryStore, makeSqliteStore } from "../../../src/layers/log/sqlite-store.ts"
import { ReplicatedLog } from "../../../src/services/ReplicatedLog.ts"

const dirs: Array<string> = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "aurora-log-"))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

describe("ReplicatedLog members", () => {
  it("embedded: appends survive a restart of the SQLite replica and reads return them in order", async () => {
    const dir = tmp()
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const store = yield* makeSqliteStore(dir)
          yield* store.initialize
        })
      )
    )
    const program = (n: number) =>
      Effect.gen(function* () {
        const log = yield* ReplicatedLog
        const positions = yield* log.append([bytes(`a${n}`), bytes(`b${n}`)])
        const pos = yield* log.position
        const all = yield* log.read(pos.begin, pos.end)
        return { positions, all: all.map((e) => text(e.data)) }
      }).pipe(Effect.provide(layerEmbedded(dir)))
    const first = await Effect.runPromise(program(1))
    expect(first).toEqual({ positions: [1, 2], all: ["a1", "b1"] })
    const second = await Effect.runPromise(program(2))
    expect(second).toEqual({ positions: [3, 4], all: ["a1", "b1", "a2", "b2"] })
  })

  it("embedded: an uninitialized replica says it is EMPTY and how to initialize it", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.flatMap(ReplicatedLog, (log) => log.append([bytes("x")])).pipe(
        Effect.provide(layerEmbedded(tmp()))
      )
    )
    expect(Exit.isFailure(exit)).toBe(true)
    expect(String(Exit.isFailure(exit) && exit.cause)).toMatch(
      /EMPTY.*aurora-scheduler log initialize --path/
    )
  })

  it("three in-memory members with message loss, duplication and delay agree, and a restarted member reads everything", async () => {
    const network = makeMemoryNetwork(7)
    network.faults.drop = 0.1
    network.faults.duplicate = 0.1
    network.faults.maxDelayMs = 5
    const stores = [0, 1, 2].map(() => makeMemoryStore("VOTING"))
    const settings = { quorum: 2, retryMs: 20, writeTimeoutMs: 10_000 }
    const start = (id: number, scope: Scope.Scope) =>
      makeMember(id, [0, 1, 2], settings, stores[id], network.transport(id)).pipe(Scope.extend(scope))
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const scopes = yield* Effect.forEach([0, 1, 2], () => Scope.make())
        const members = yield* Effect.forEach([0, 1, 2], (i) => start(i, scopes[i]))
        const acked: Array<string> = []
        for (let i = 0; i < 30; i++) {
          yield* members[0].append([bytes(`e${i}`)])
          acked.push(`e${i}`)
        }
        // Crash member 2 and bring it back from its store; then lead from it.
        yield* Scope.close(scopes[2], Exit.void)
        scopes[2] = yield* Scope.make()
        members[2] = yield* start(2, scopes[2])
        network.faults.drop = 0
        let ok = false
        let lastPosition = 0
        for (let attempt = 0; attempt < 20 && !ok; attempt++) {
          const r = yield* Effect.either(members[2].append([bytes("last")]))
          if (r._tag === "Right") {
            ok = true
            lastPosition = r.right[0]
          }
        }
        acked.push("last")
        // Earlier positions are learned by fill-in rounds after the election; wait for them.
        let pos = yield* members[2].position
        for (let i = 0; i < 200 && pos.end < lastPosition; i++) {
          yield* Effect.sleep("10 millis")
          pos = yield* members[2].position
        }
        const read = (yield* members[2].read(pos.begin, pos.end)).map((e) => text(e.data))
        for (const s of scopes) yield* Scope.close(s, Exit.void)
        return { acked, read, ok }
      })
    )
    expect(result.ok).toBe(true)
    expect(result.read).toEqual(result.acked)
  })
})

describe("log settings", () => {
  it("refuses a quorum that is not a majority of the replicas", async () => {
    const network = makeMemoryNetwork(1)
    const exit = await Effect.runPromiseExit(
      Effect.scoped(
        makeMember(0, [0, 1, 2, 3], { quorum: 2 }, makeMemoryStore("VOTING"), network.transport(0))
      )
    )
    expect(String(Exit.isFailure(exit) && exit.cause)).toMatch(
      /--native_log_quorum_size: quorum 2 is not a majority of 4 replicas \(use 3\)/
    )
  })
})

describe("demotion", () => {
  it("a coordinator that loses to a rival reports Demoted; its next append runs a new election", async () => {
    const network = makeMemoryNetwork(5)
    const stores = [0, 1, 2].map(() => makeMemoryStore("VOTING"))
    const r = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const settings = { quorum: 2, retryMs: 20 }
          const m = yield* Effect.forEach([0, 1, 2], (i) =>
            makeMember(i, [0, 1, 2], settings, stores[i], network.transport(i))
          )
          const events: Array<string> = []
          yield* m[0].events.pipe(
            Stream.runForEach((e) => Effect.sync(() => events.push(e._tag))),
            Effect.forkScoped
          )
          yield* Effect.yieldNow()
          yield* m[0].append([bytes("first")])
          // A second coordinator takes over: member 0's replica promises it, so member 0 steps down.
          yield* m[1].append([bytes("second")])
          const third = yield* Effect.either(m[0].append([bytes("third")]))
          yield* Effect.sleep("20 millis")
          return { events, third }
        })
      )
    )
    expect(r.events).toEqual(["Elected", "Demoted", "Elected"])
    expect(r.third._tag).toBe("Right")
  })
})
