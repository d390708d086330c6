// Three ZooKeeper servers; one is killed with SIGKILL; the election carries on and readers follow.

import { Effect, Option, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { schedulerMember } from "../../../src/domain/coordinator/serverset.ts"
import * as LeaderElection from "../../../src/layers/coordinator/leaderElection.ts"
import * as Serverset from "../../../src/layers/coordinator/serverset.ts"
import * as ZooKeeperCoordinator from "../../../src/layers/coordinator/zookeeper.ts"
import { Coordinator } from "../../../src/services/Coordinator.ts"
import { leadershipMonitor } from "../../unit/coordinator/recipes.ts"
import {
  fourLetter,
  startZooKeeper,
  warnIfZooKeeperMissing,
  type ZooKeeperEnsemble,
  zooKeeperAvailable
} from "../support/zookeeper.ts"

warnIfZooKeeperMissing("ZooKeeper ensemble failover")

const SESSION_MS = 4000
const PATH = "/aurora/scheduler"

describe.skipIf(!zooKeeperAvailable.ok)("three-server ZooKeeper ensemble", () => {
  let zk: ZooKeeperEnsemble
  beforeAll(async () => {
    zk = await startZooKeeper({ servers: 3 })
  })
  afterAll(async () => {
    await zk?.stop()
  })

  it("keeps one leader when a ZooKeeper server is SIGKILLed, and fails over when the leader's session ends", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const open = () =>
            ZooKeeperCoordinator.make({ endpoints: zk.connectString, sessionTimeoutMs: SESSION_MS })
          const sessions = yield* Effect.forEach([0, 1, 2], () => open())
          const candidates = yield* Effect.forEach(sessions, (s, i) =>
            LeaderElection.join(PATH, `10.0.0.${i + 1}`).pipe(Effect.provideService(Coordinator, s))
          )
          const monitor = yield* leadershipMonitor(candidates)
          // What the scheduler does: advertise once leading, withdraw when leadership ends.
          for (const [i, c] of candidates.entries()) {
            yield* Effect.forkScoped(
              Effect.scoped(
                Effect.gen(function* () {
                  yield* c.awaitLeadership
                  const ad = yield* Serverset.advertise(PATH, schedulerMember(c.id, 8081))
                  yield* c.awaitLoss
                  yield* ad.withdraw
                })
              ).pipe(Effect.provideService(Coordinator, sessions[i]), Effect.ignore)
            )
          }
          const reader = yield* open()
          const tracker = yield* Serverset.trackLeader(PATH).pipe(Effect.provideService(Coordinator, reader))
          const advertisedLeader = (notHost?: string) =>
            tracker.changes.pipe(
              Stream.filter((v) => v._tag === "Leader" && v.member.serviceEndpoint.host !== notHost),
              Stream.runHead,
              Effect.map((v) => {
                const view = Option.getOrThrow(v)
                return view._tag === "Leader" ? view.member.serviceEndpoint.host : ""
              }),
              Effect.timeoutFail({
                duration: SESSION_MS * 4,
                onTimeout: () => new Error("no advertised leader")
              })
            )

          const first = yield* advertisedLeader()
          expect(monitor.leaders()).toEqual([first])

          // SIGKILL the ZooKeeper leader (the most disruptive member to lose).
          const modes = yield* Effect.promise(() =>
            Promise.all(zk.servers.map((s) => fourLetter(s.clientPort, "srvr")))
          )
          const zkLeader = Math.max(
            0,
            modes.findIndex((m) => m.includes("Mode: leader"))
          )
          yield* Effect.promise(() => zk.kill(zkLeader, "SIGKILL"))
          // The quorum re-forms; wait until the remaining two serve again.
          yield* Effect.promise(async () => {
            const rest = zk.servers.filter((_, i) => i !== zkLeader)
            for (;;) {
              const r = await Promise.all(rest.map((s) => fourLetter(s.clientPort, "srvr")))
              if (r.every((m) => /Mode: (leader|follower)/.test(m))) return
              await new Promise((res) => setTimeout(res, 100))
            }
          })
          const afterKill = yield* advertisedLeader()
          yield* Effect.sleep("500 millis")
          expect(monitor.leaders()).toEqual([afterKill])

          // The scheduler leader dies: its session ends, another candidate takes over and is advertised.
          const leaderIndex = candidates.findIndex((c) => c.id === afterKill)
          yield* sessions[leaderIndex].close
          const second = yield* advertisedLeader(afterKill)
          expect(second).not.toBe(afterKill)
          yield* Effect.sleep("300 millis")
          expect(monitor.leaders()).toEqual([second])
          expect(monitor.violations).toEqual([])
          const url = yield* Serverset.discoverSchedulerUrl(PATH).pipe(
            Effect.provideService(Coordinator, reader)
          )
          expect(Option.getOrThrow(url)).toBe(`http://${second}:8081`)
        })
      )
    ))
})
