// Leader election and serverset recipes, run against any backend (embedded in unit tests, real
// ZooKeeper in integration tests). `kill` ends a participant's session the way a crash would.

import { Effect, Fiber, Option, type Scope, Stream } from "effect"
import { describe, expect, it } from "vitest"
import type { LeaderView } from "../../../src/domain/coordinator/serverset.ts"
import { schedulerMember } from "../../../src/domain/coordinator/serverset.ts"
import * as LeaderElection from "../../../src/layers/coordinator/leaderElection.ts"
import * as Serverset from "../../../src/layers/coordinator/serverset.ts"
import { Coordinator, type CoordinatorService } from "../../../src/services/Coordinator.ts"

export interface Participant {
  readonly service: CoordinatorService
  /** Ends the session abruptly (crash / expiry), not a polite leave. */
  readonly kill: Effect.Effect<void>
}

export interface RecipeBackend {
  readonly open: () => Effect.Effect<Participant, unknown, Scope.Scope>
  /** Upper bound for a takeover: session timeout plus slack. */
  readonly takeoverMs: number
}

let counter = 0
const base = () => `/recipes-${process.pid}-${Date.now()}-${counter++}/scheduler`

const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Promise<A> =>
  Effect.runPromise(Effect.scoped(effect) as Effect.Effect<A, never>)

/** Watches candidates' beliefs and records any moment when two think they lead. */
export const leadershipMonitor = (candidates: ReadonlyArray<LeaderElection.Candidate>) =>
  Effect.gen(function* () {
    const leading = new Set<string>()
    const violations: Array<string> = []
    for (const c of candidates) {
      yield* Effect.forkScoped(
        Stream.runForEach(c.changes, (s) =>
          Effect.sync(() => {
            if (s === "LEADING") {
              if (leading.size > 0) violations.push(`${c.id} leads while ${[...leading].join()} still does`)
              leading.add(c.id)
            } else leading.delete(c.id)
          })
        )
      )
    }
    return { leaders: () => [...leading], violations }
  })

const within = <A, E, R>(ms: number, what: string, effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.timeoutFail({ duration: ms, onTimeout: () => new Error(`timed out waiting for ${what}`) })
  )

const awaitLeaderAmong = (candidates: ReadonlyArray<LeaderElection.Candidate>, ms: number) =>
  within(ms, "a leader", Effect.raceAll(candidates.map((c) => Effect.as(c.awaitLeadership, c))))

const awaitView = (tracker: Serverset.LeaderTracker, ms: number, pred: (v: LeaderView) => boolean) =>
  within(
    ms,
    "the serverset view",
    tracker.changes.pipe(Stream.filter(pred), Stream.runHead, Effect.map(Option.getOrThrow))
  )

export const recipeSuite = (name: string, backend: () => RecipeBackend) =>
  describe(`recipes: ${name}`, () => {
    it("elects exactly one of three candidates; a killed leader's successor takes over and is advertised", () =>
      run(
        Effect.gen(function* () {
          const b = backend()
          const path = base()
          const participants = yield* Effect.forEach(["a", "b", "c"], () => b.open())
          const candidates = yield* Effect.forEach(participants, (p, i) =>
            LeaderElection.join(path, `host-${i}`).pipe(Effect.provideService(Coordinator, p.service))
          )
          const monitor = yield* leadershipMonitor(candidates)
          const reader = yield* b.open()
          const tracker = yield* Serverset.trackLeader(path).pipe(
            Effect.provideService(Coordinator, reader.service)
          )

          const first = yield* awaitLeaderAmong(candidates, b.takeoverMs)
          const firstIndex = candidates.indexOf(first)
          const firstAd = yield* Serverset.advertise(path, schedulerMember(first.id, 8081)).pipe(
            Effect.provideService(Coordinator, participants[firstIndex].service)
          )
          const seen = yield* awaitView(tracker, b.takeoverMs, (v) => v._tag === "Leader")
          expect(seen._tag === "Leader" && seen.member.serviceEndpoint.host).toBe(first.id)
          yield* Effect.sleep("200 millis")
          expect(monitor.leaders()).toEqual([first.id])

          const lost = yield* Effect.fork(first.awaitLoss)
          yield* participants[firstIndex].kill
          yield* within(b.takeoverMs, "the deposed leader to notice", Fiber.join(lost))
          expect(yield* first.status).toBe("LOST")
          yield* firstAd.withdraw // what the scheduler's DEAD state does
          const rest = candidates.filter((c) => c !== first)
          const second = yield* awaitLeaderAmong(rest, b.takeoverMs)
          yield* Serverset.advertise(path, schedulerMember(second.id, 8081)).pipe(
            Effect.provideService(Coordinator, participants[candidates.indexOf(second)].service)
          )
          const next = yield* awaitView(
            tracker,
            b.takeoverMs,
            (v) => v._tag === "Leader" && v.member.serviceEndpoint.host === second.id
          )
          expect(next._tag).toBe("Leader")
          yield* Effect.sleep("200 millis")
          expect(monitor.leaders()).toEqual([second.id])
          expect(monitor.violations).toEqual([])
        })
      ))

    it("a leader that leaves hands over to the next in line", () =>
      run(
        Effect.gen(function* () {
          const b = backend()
          const path = base()
          const participants = yield* Effect.forEach([1, 2], () => b.open())
          const both = yield* Effect.forEach(participants, (p, i) =>
            LeaderElection.join(path, `host-${i}`).pipe(Effect.provideService(Coordinator, p.service))
          )
          const x = yield* awaitLeaderAmong(both, b.takeoverMs)
          const y = both.find((c) => c !== x)!
          expect(yield* y.status).toBe("WAITING")
          yield* x.leave
          yield* x.leave
          expect(yield* x.status).toBe("LEFT")
          yield* within(b.takeoverMs, "y to lead", y.awaitLeadership)
          const children = yield* participants[1].service.getChildren(path)
          expect(children.filter((c) => c.includes("-lock-"))).toHaveLength(1)
        })
      ))

    it("keeps the member node while the session lives, and reports 0 or >1 members as no leader", () =>
      run(
        Effect.gen(function* () {
          const b = backend()
          const path = base()
          const p = yield* b.open()
          const other = yield* b.open()
          const tracker = yield* Serverset.trackLeader(path).pipe(
            Effect.provideService(Coordinator, other.service)
          )
          const ad = yield* Serverset.advertise(path, schedulerMember("10.0.0.5", 8081)).pipe(
            Effect.provideService(Coordinator, p.service)
          )
          const firstNode = yield* within(
            b.takeoverMs,
            "the member node",
            ad.nodes.pipe(
              Stream.filter(Option.isSome),
              Stream.runHead,
              Effect.map((o) => Option.flatten(o))
            )
          )
          expect(Option.getOrThrow(firstNode)).toMatch(/\/member_\d{10}$/)
          yield* awaitView(tracker, b.takeoverMs, (v) => v._tag === "Leader")

          // Someone deletes it: it comes back under a new sequence number.
          yield* other.service.delete(Option.getOrThrow(firstNode))
          const again = yield* within(
            b.takeoverMs,
            "the member node to return",
            ad.nodes.pipe(
              Stream.filter((n) => Option.isSome(n) && n.value !== Option.getOrThrow(firstNode)),
              Stream.runHead
            )
          )
          expect(Option.isSome(again)).toBe(true)

          // A second advertiser makes the view ambiguous; withdrawing both leaves no leader.
          const ad2 = yield* Serverset.advertise(path, schedulerMember("10.0.0.6", 8081)).pipe(
            Effect.provideService(Coordinator, other.service)
          )
          yield* awaitView(tracker, b.takeoverMs, (v) => v._tag === "Ambiguous")
          yield* ad2.withdraw
          yield* awaitView(tracker, b.takeoverMs, (v) => v._tag === "Leader")
          yield* ad.withdraw
          yield* awaitView(tracker, b.takeoverMs, (v) => v._tag === "NoLeader")
          const url = yield* Serverset.discoverSchedulerUrl(path).pipe(
            Effect.provideService(Coordinator, other.service)
          )
          expect(Option.isNone(url)).toBe(true)
        })
      ))

    it("advertises again on a new session after the old one is lost", () =>
      run(
        Effect.gen(function* () {
          const b = backend()
          const path = base()
          const p = yield* b.open()
          const reader = yield* b.open()
          const ad = yield* Serverset.announce(path, {
            serviceEndpoint: { host: "agent", port: 31000 },
            additionalEndpoints: { http: { host: "agent", port: 31000 } },
            status: "ALIVE",
            shard: 2
          }).pipe(Effect.provideService(Coordinator, p.service))
          const first = yield* within(
            b.takeoverMs,
            "the member node",
            ad.nodes.pipe(Stream.filter(Option.isSome), Stream.runHead, Effect.map(Option.flatten))
          )
          const url = yield* Serverset.discoverSchedulerUrl(path).pipe(
            Effect.provideService(Coordinator, reader.service)
          )
          expect(Option.getOrThrow(url)).toBe("http://agent:31000")
          const sessionBefore = yield* p.service.sessionId
          yield* p.kill
          const second = yield* within(
            b.takeoverMs * 2,
            "the member node on a new session",
            ad.nodes.pipe(
              Stream.filter(
                (n) => Option.isSome(n) && !Option.getEquivalence((x: string, y: string) => x === y)(n, first)
              ),
              Stream.runHead
            )
          )
          expect(Option.isSome(second)).toBe(true)
          expect(yield* p.service.sessionId).not.toEqual(sessionBefore)
          const members = yield* Serverset.readMembers(path).pipe(
            Effect.provideService(Coordinator, reader.service)
          )
          expect(members.map((m) => m.name)).toEqual([
            Option.getOrThrow(Option.flatten(second)).split("/").pop()
          ])
        })
      ))
  })
