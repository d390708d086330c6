import { Effect, Metric, Option, Schedule, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { EmbeddedTree, makeSession } from "../../../src/layers/coordinator/embedded.ts"
import * as LeaderElection from "../../../src/layers/coordinator/leaderElection.ts"
import { Coordinator } from "../../../src/services/Coordinator.ts"
import { leadershipMonitor, recipeSuite } from "./recipes.ts"

const tree = new EmbeddedTree("recipes")
recipeSuite("embedded", () => ({
  open: () =>
    Effect.map(makeSession(tree, { sessionTimeoutMs: 300 }), (s) => ({
      service: s.service,
      kill: s.control.expire
    })),
  takeoverMs: 5000
}))

describe("election under connection faults (embedded)", () => {
  it("tolerates SUSPENDED; loses leadership only when the session is LOST, then the other leads", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const t = new EmbeddedTree("faults")
          const a = yield* makeSession(t, { sessionTimeoutMs: 400 })
          const b = yield* makeSession(t, { sessionTimeoutMs: 400 })
          const ca = yield* LeaderElection.join("/svc", "a").pipe(
            Effect.provideService(Coordinator, a.service)
          )
          yield* ca.awaitLeadership
          const cb = yield* LeaderElection.join("/svc", "b", { requeue: true }).pipe(
            Effect.provideService(Coordinator, b.service)
          )
          const monitor = yield* leadershipMonitor([ca, cb])
          yield* Effect.sleep("50 millis")

          yield* a.control.disconnect
          expect(yield* a.service.state).toBe("SUSPENDED")
          yield* Effect.sleep("20 millis")
          expect((yield* Metric.value(Metric.gauge("zk_connection_state_SUSPENDED"))).value).toBe(1)
          expect((yield* Metric.value(Metric.gauge("zk_connection_state_CONNECTED"))).value).toBe(0)
          expect((yield* Metric.value(Metric.counter("zk_connection_state_SUSPENDED_counter"))).count).toBe(1)
          yield* Effect.sleep("100 millis")
          yield* a.control.reconnect
          expect(yield* a.service.state).toBe("RECONNECTED")
          yield* Effect.sleep("500 millis") // past the timeout: the session survived the blip
          expect(yield* ca.status).toBe("LEADING")
          expect(yield* cb.status).toBe("WAITING")

          yield* a.control.disconnect
          yield* cb.awaitLeadership.pipe(Effect.timeout("3 seconds"))
          expect(yield* ca.status).toBe("LOST")
          const states = yield* a.service.states.pipe(Stream.take(1), Stream.runCollect)
          expect([...states]).toEqual(["LOST"])
          yield* a.control.reconnect
          expect(yield* a.service.state).toBe("RECONNECTED")
          expect(Option.isSome(yield* a.service.sessionId)).toBe(true)
          yield* Effect.sleep("100 millis")
          expect(yield* ca.status).toBe("LOST") // no requeue: a deposed scheduler exits
          expect(yield* Effect.flip(ca.awaitLeadership)).toBe("LOST")
          expect(monitor.violations).toEqual([])
        })
      )
    ))

  it("a follower whose session is lost re-enters on the new session", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const t = new EmbeddedTree("requeue")
          const a = yield* makeSession(t, { sessionTimeoutMs: 500 })
          const b = yield* makeSession(t, { sessionTimeoutMs: 500 })
          const ca = yield* LeaderElection.join("/svc", "a").pipe(
            Effect.provideService(Coordinator, a.service)
          )
          yield* ca.awaitLeadership
          const cb = yield* LeaderElection.join("/svc", "b").pipe(
            Effect.provideService(Coordinator, b.service)
          )
          const locks = a.service
            .getChildren("/svc")
            .pipe(Effect.map((cs) => cs.filter((c) => c.includes("-lock-"))))
          yield* locks.pipe(
            Effect.repeat({ until: (l) => l.length === 2, schedule: Schedule.spaced("20 millis") })
          )
          const before = yield* locks
          yield* b.control.expire
          yield* locks.pipe(
            Effect.repeat({
              until: (l) => l.length === 2 && l.join() !== before.join(),
              schedule: Schedule.spaced("20 millis")
            })
          )
          expect(yield* cb.status).toBe("WAITING")
          yield* ca.leave
          yield* cb.awaitLeadership.pipe(Effect.timeout("3 seconds"))
        })
      )
    ))
})
