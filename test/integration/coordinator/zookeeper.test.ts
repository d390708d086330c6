// What only the real layer has: chroot, digest ACLs, connection failures and blips.

import { Effect, Either, Option, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { schedulerMember } from "../../../src/domain/coordinator/serverset.ts"
import { discoverScheduler } from "../../../src/layers/coordinator/discovery.ts"
import * as LeaderElection from "../../../src/layers/coordinator/leaderElection.ts"
import * as Serverset from "../../../src/layers/coordinator/serverset.ts"
import * as ZooKeeperCoordinator from "../../../src/layers/coordinator/zookeeper.ts"
import { Coordinator, fromUtf8, utf8 } from "../../../src/services/Coordinator.ts"
import { startProxy } from "../support/tcpProxy.ts"
import {
  freePort,
  startZooKeeper,
  warnIfZooKeeperMissing,
  type ZooKeeperEnsemble,
  zooKeeperAvailable
} from "../support/zookeeper.ts"

warnIfZooKeeperMissing("ZooKeeper layer")

const run = <A, E>(effect: Effect.Effect<A, E, import("effect").Scope.Scope>) =>
  Effect.runPromise(Effect.scoped(effect) as Effect.Effect<A, never>)

describe.skipIf(!zooKeeperAvailable.ok)("ZooKeeper layer", () => {
  let zk: ZooKeeperEnsemble
  beforeAll(async () => {
    zk = await startZooKeeper({ servers: 1 })
  })
  afterAll(async () => {
    await zk?.stop()
  })

  it("fails with a clear error when no server answers", () =>
    run(
      Effect.gen(function* () {
        const port = yield* Effect.promise(() => freePort())
        const result = yield* Effect.either(
          ZooKeeperCoordinator.make({ endpoints: `127.0.0.1:${port}`, connectionTimeoutMs: 1000 })
        )
        expect(Either.isLeft(result)).toBe(true)
        if (Either.isLeft(result)) {
          expect(result.left._tag).toBe("CoordinatorUnavailable")
          expect(result.left.message).toContain(`127.0.0.1:${port}`)
        }
      })
    ))

  it("lets the client discover the scheduler from clusters.json-style zk settings", () =>
    run(
      Effect.gen(function* () {
        const zkc = yield* ZooKeeperCoordinator.make({ endpoints: zk.connectString })
        const path = "/discovery/aurora/scheduler"
        const cluster = { zk: "127.0.0.1", zkPort: zk.servers[0].clientPort, schedulerZkPath: path }
        const missing = yield* Effect.either(discoverScheduler(cluster))
        expect(Either.isLeft(missing) && missing.left._tag).toBe("NoNode")
        const ad = yield* Serverset.advertise(path, schedulerMember("127.0.0.1", 8081, "https")).pipe(
          Effect.provideService(Coordinator, zkc)
        )
        yield* ad.nodes.pipe(Stream.filter(Option.isSome), Stream.runHead)
        expect(yield* discoverScheduler(cluster)).toEqual(Option.some("https://127.0.0.1:8081"))
      })
    ))

  it("rejects bad endpoints and chroots before connecting", () =>
    run(
      Effect.gen(function* () {
        const bad = yield* Effect.either(ZooKeeperCoordinator.make({ endpoints: "zk1:notaport" }))
        expect(Either.isLeft(bad) && bad.left._tag).toBe("CoordinatorConfigInvalid")
        expect(Either.isLeft(bad) && bad.left.message).toContain("zk_endpoints")
        const chroot = yield* Effect.either(
          ZooKeeperCoordinator.make({ endpoints: zk.connectString, chroot: "aurora/" })
        )
        expect(Either.isLeft(chroot) && chroot.left.message).toContain("zk_chroot_path")
      })
    ))

  it("works under a chroot", () =>
    run(
      Effect.gen(function* () {
        const root = yield* ZooKeeperCoordinator.make({ endpoints: zk.connectString })
        yield* root.mkdirp("/chrooted")
        const inside = yield* ZooKeeperCoordinator.make({ endpoints: zk.connectString, chroot: "/chrooted" })
        yield* inside.mkdirp("/aurora/scheduler")
        const member = yield* inside.create("/aurora/scheduler/member_", utf8("x"), "EPHEMERAL_SEQUENTIAL")
        expect(member).toMatch(/^\/aurora\/scheduler\/member_\d{10}$/)
        expect(yield* root.getChildren("/chrooted/aurora/scheduler")).toEqual([member.split("/").pop()])
      })
    ))

  it("with digest credentials: world may read, only the creator may write", () =>
    run(
      Effect.gen(function* () {
        const alice = yield* ZooKeeperCoordinator.make({
          endpoints: zk.connectString,
          digestCredentials: "alice:s3cret"
        })
        const bob = yield* ZooKeeperCoordinator.make({
          endpoints: zk.connectString,
          digestCredentials: "bob:pw"
        })
        const anon = yield* ZooKeeperCoordinator.make({ endpoints: zk.connectString })
        yield* alice.create("/secure", utf8("mine"))
        expect(fromUtf8((yield* anon.getData("/secure")).data)).toBe("mine")
        const denied = yield* Effect.either(bob.setData("/secure", utf8("yours")))
        expect(Either.isLeft(denied) && denied.left._tag).toBe("NotAuthorized")
        const deniedAnon = yield* Effect.either(anon.create("/secure/child"))
        expect(Either.isLeft(deniedAnon) && deniedAnon.left._tag).toBe("NotAuthorized")
        yield* alice.setData("/secure", utf8("still mine"))
      })
    ))

  it("a short connection blip is SUSPENDED then RECONNECTED: same session, leadership kept", () =>
    run(
      Effect.gen(function* () {
        const proxy = yield* Effect.acquireRelease(
          Effect.promise(() => startProxy(zk.servers[0].clientPort)),
          (p) => Effect.promise(() => p.close())
        )
        const zkc = yield* ZooKeeperCoordinator.make({
          endpoints: `127.0.0.1:${proxy.port}`,
          sessionTimeoutMs: 4000
        })
        const candidate = yield* LeaderElection.join("/blip", "me").pipe(
          Effect.provideService(Coordinator, zkc)
        )
        yield* candidate.awaitLeadership
        const session = yield* zkc.sessionId
        const states = yield* zkc.states.pipe(
          Stream.takeUntil((s) => s === "RECONNECTED"),
          Stream.runCollect,
          Effect.fork
        )
        yield* Effect.sleep("50 millis")
        proxy.cut(500)
        const seen = yield* states.await.pipe(Effect.flatten, Effect.timeout("10 seconds"))
        expect([...seen]).toEqual(["CONNECTED", "SUSPENDED", "RECONNECTED"])
        expect(yield* zkc.sessionId).toEqual(session)
        expect(yield* candidate.status).toBe("LEADING")
      })
    ))

  it("a partition longer than the session timeout is LOST, then a new session", () =>
    run(
      Effect.gen(function* () {
        const proxy = yield* Effect.acquireRelease(
          Effect.promise(() => startProxy(zk.servers[0].clientPort)),
          (p) => Effect.promise(() => p.close())
        )
        const zkc = yield* ZooKeeperCoordinator.make({
          endpoints: `127.0.0.1:${proxy.port}`,
          sessionTimeoutMs: 2000
        })
        const observer = yield* ZooKeeperCoordinator.make({ endpoints: zk.connectString })
        yield* zkc.mkdirp("/partition")
        const eph = yield* zkc.create("/partition/e", undefined, "EPHEMERAL")
        const session = yield* zkc.sessionId
        const states = yield* zkc.states.pipe(
          Stream.filter((s) => s === "LOST" || s === "RECONNECTED"),
          Stream.take(2),
          Stream.runCollect,
          Effect.fork
        )
        yield* Effect.sleep("50 millis")
        proxy.cut(3500)
        const seen = yield* states.await.pipe(Effect.flatten, Effect.timeout("15 seconds"))
        expect([...seen]).toEqual(["LOST", "RECONNECTED"])
        expect(yield* zkc.sessionId).not.toEqual(session)
        expect(Option.isNone(yield* observer.exists(eph))).toBe(true)
        // The new session works.
        yield* zkc.create("/partition/e", undefined, "EPHEMERAL")
      })
    ))
})
