import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Metric, TestClock } from "effect"
import {
  bagGreaterThanOrEqual,
  DEFAULT_SCHEDULING,
  nextPenalty,
  seededRandom
} from "../../../src/domain/placement/index.ts"
import { OfferManagerLive } from "../../../src/layers/placement/OfferManagerLive.ts"
import {
  scheduleAttemptsBlocks,
  schedulingVetoes,
  TaskSchedulerLive
} from "../../../src/layers/placement/TaskSchedulerLive.ts"
import { OfferDriver } from "../../../src/services/OfferDriver.ts"
import { OfferManager } from "../../../src/services/OfferManager.ts"
import { AggregateUnavailable, PlacementState } from "../../../src/services/PlacementState.ts"
import { TaskScheduler } from "../../../src/services/TaskScheduler.ts"
import { limit, res, task, value } from "./fixtures.ts"
import { cluster, placementLayer, ticks } from "./harness.ts"

const job = (name: string) => ({ role: "www", environment: "prod", name })

describe("task scheduler loop against a simulated cluster", () => {
  it.scoped("places every task that fits when capacity is ample, honouring constraints", () => {
    const sim = cluster(40, 10)
    const a = task({
      job: job("a"),
      resources: res(2, 1024, 1024),
      constraints: [limit("host", 1), limit("rack", 2)]
    })
    const b = task({ job: job("b"), resources: res(1, 512, 512, ["http"]) })
    const c = task({
      job: job("c"),
      resources: res(1, 512, 512),
      constraints: [value("rack", ["rack-1", "rack-2"])]
    })
    const ids = [
      ...Array.from({ length: 15 }, (_, i) => ({ id: sim.addPending(a, i), config: a })),
      ...Array.from({ length: 30 }, (_, i) => ({ id: sim.addPending(b, i), config: b })),
      ...Array.from({ length: 6 }, (_, i) => ({ id: sim.addPending(c, i), config: c }))
    ]
    return Effect.gen(function* () {
      const scheduler = yield* TaskScheduler
      for (const t of ids) yield* scheduler.taskPending(t.id, t.config)
      yield* ticks(sim, 100, 50)
      expect(ids.filter((t) => sim.status(t.id) !== "RUNNING")).toEqual([])
      for (const agent of sim.agents.values())
        expect(bagGreaterThanOrEqual(agent.capacity, agent.used)).toBe(true)
      const hostsOf = (j: string) => sim.jobHosts(job(j))
      expect(new Set(hostsOf("a").map((h) => h.host)).size).toBe(15)
      const racks = new Map<string, number>()
      for (const h of hostsOf("a")) {
        const r = h.attributes.find((x) => x.name === "rack")!.values[0]
        racks.set(r, (racks.get(r) ?? 0) + 1)
      }
      expect(Math.max(...racks.values())).toBeLessThanOrEqual(2)
      for (const h of hostsOf("c"))
        expect(["rack-1", "rack-2"]).toContain(h.attributes.find((x) => x.name === "rack")!.values[0])
      const ports = sim.launched.filter((l) => l.config === b).map((l) => l.ports.http)
      expect(ports.every((p) => p >= 1 && p <= 1023)).toBe(true)
      expect(yield* scheduler.groups).toEqual([])
    }).pipe(Effect.provide(placementLayer(sim)))
  })

  it.scoped("backs off a group that cannot be placed, without starving other groups", () => {
    const sim = cluster(4)
    const huge = task({ job: job("huge"), resources: res(64, 1024, 1024) })
    const small = task({ job: job("small"), resources: res(1, 512, 512) })
    const hugeId = sim.addPending(huge)
    return Effect.gen(function* () {
      const scheduler = yield* TaskScheduler
      yield* scheduler.taskPending(hugeId, huge)
      yield* ticks(sim, 40, 100)
      const [g] = yield* scheduler.groups
      expect(g.pending).toEqual([hugeId])
      expect(g.penaltyMs).toBeGreaterThan(100)
      expect(g.penaltyMs).toBeLessThanOrEqual(60_000)
      expect(yield* scheduler.pendingReason(huge)).toBe("Insufficient: CPU")
      const vetoes = yield* Metric.value(
        schedulingVetoes.pipe(Metric.tagged("type", "INSUFFICIENT_RESOURCES"))
      )
      expect(vetoes.count).toBeGreaterThanOrEqual(4)
      const smallId = sim.addPending(small)
      yield* scheduler.taskPending(smallId, small)
      yield* ticks(sim, 2, 10)
      expect(sim.status(smallId)).toBe("RUNNING")
      expect(sim.status(hugeId)).toBe("PENDING")
      // The huge task's group earned static bans on every offer.
      const stats = yield* (yield* OfferManager).stats
      expect(stats.staticBans).toBeGreaterThanOrEqual(3)
      yield* scheduler.tasksDeleted([hugeId])
      yield* ticks(sim, 2, 60_000)
      expect(yield* scheduler.groups).toEqual([])
    }).pipe(Effect.provide(placementLayer(sim)))
  })

  it.scoped("takes at most 5 tasks per attempt and re-checks limits between them", () => {
    const sim = cluster(10, 2)
    const t = task({ job: job("spread"), resources: res(1, 128, 128), constraints: [limit("rack", 2)] })
    const ids = Array.from({ length: 8 }, (_, i) => sim.addPending(t, i))
    return Effect.gen(function* () {
      const scheduler = yield* TaskScheduler
      yield* ticks(sim, 1, 0)
      const first = yield* scheduler.schedule(ids)
      // Two racks with limit 2: only 4 of the first batch of 5 fit, none beyond.
      expect(first.length).toBe(4)
      expect(ids.filter((id) => sim.status(id) === "RUNNING").length).toBe(4)
      const again = yield* scheduler.schedule(ids.filter((id) => sim.status(id) === "PENDING"))
      expect(again.length).toBe(0)
    }).pipe(Effect.provide(placementLayer(sim, { offers: { holdOffersForever: true } })))
  })

  it.scoped("concurrent attempts are serialised: no offer is used twice even when assignment yields", () => {
    const sim = cluster(6)
    const slow = {
      ...sim.state,
      assign: (...a: Parameters<typeof sim.state.assign>) =>
        Effect.zipRight(Effect.yieldNow(), sim.state.assign(...a))
    }
    const base = Layer.merge(Layer.succeed(PlacementState, slow), Layer.succeed(OfferDriver, sim.driver))
    const offers = OfferManagerLive({ seed: 1, holdOffersForever: true }).pipe(Layer.provide(base))
    const scheduler = TaskSchedulerLive().pipe(Layer.provide(Layer.merge(base, offers)))
    const configs = Array.from({ length: 6 }, (_, i) =>
      task({ job: job(`c${i}`), resources: res(1, 128, 128) })
    )
    const ids = configs.map((c) => sim.addPending(c))
    return Effect.gen(function* () {
      const om = yield* OfferManager
      for (const o of sim.allOffers()) yield* om.add(o)
      const ts = yield* TaskScheduler
      const done = yield* Effect.forEach(ids, (id) => ts.schedule([id]), { concurrency: "unbounded" })
      expect(done.flat().sort()).toEqual([...ids].sort())
      expect(ids.map((id) => sim.status(id))).toEqual(ids.map(() => "RUNNING"))
      expect(new Set(ids.map((id) => sim.taskAgent(id))).size).toBe(6)
    }).pipe(Effect.provide(Layer.mergeAll(base, offers, scheduler)))
  })

  it.scoped("an aggregate that cannot be built fails the attempt as a whole (quirk 10.7)", () => {
    const sim = cluster(2)
    const broken = {
      ...sim.state,
      jobAggregate: () => Effect.fail(new AggregateUnavailable({ job: "www/prod/agg", host: "gone" }))
    }
    const base = Layer.merge(Layer.succeed(PlacementState, broken), Layer.succeed(OfferDriver, sim.driver))
    const offers = OfferManagerLive({ seed: 1, holdOffersForever: true }).pipe(Layer.provide(base))
    const scheduler = TaskSchedulerLive().pipe(Layer.provide(Layer.merge(base, offers)))
    const limited = task({ job: job("agg"), resources: res(1, 128, 128), constraints: [limit("host", 1)] })
    const free = task({ job: job("free"), resources: res(1, 128, 128) })
    const a = sim.addPending(limited)
    const b = sim.addPending(free)
    return Effect.gen(function* () {
      const om = yield* OfferManager
      for (const o of sim.allOffers()) yield* om.add(o)
      const ts = yield* TaskScheduler
      expect(yield* ts.schedule([a])).toEqual([])
      expect(sim.status(a)).toBe("PENDING")
      // Only limit constraints need the aggregate.
      expect(yield* ts.schedule([b])).toEqual([b])
    }).pipe(Effect.provide(Layer.mergeAll(base, offers, scheduler)))
  })

  it.scoped("a failed launch marks the task LOST and stops the batch", () => {
    const sim = cluster(3)
    const t = task({ job: job("x"), resources: res(1, 128, 128) })
    const ids = [sim.addPending(t, 0), sim.addPending(t, 1)]
    return Effect.gen(function* () {
      const scheduler = yield* TaskScheduler
      yield* ticks(sim, 1, 0)
      const offers = yield* (yield* OfferManager).all
      for (const o of offers) sim.failLaunch.add(o.offer.id)
      const done = yield* scheduler.schedule(ids)
      expect(done).toEqual([ids[0]])
      expect(sim.status(ids[0])).toBe("LOST")
      expect(sim.status(ids[1])).toBe("PENDING")
    }).pipe(Effect.provide(placementLayer(sim, { offers: { holdOffersForever: true } })))
  })

  it.scoped("returns ids that are no longer pending so the group forgets them", () => {
    const sim = cluster(1)
    return Effect.gen(function* () {
      const scheduler = yield* TaskScheduler
      expect(yield* scheduler.schedule(["gone-1", "gone-2"])).toEqual(["gone-1", "gone-2"])
    }).pipe(Effect.provide(placementLayer(sim)))
  })

  it.scoped("rate-limits attempts across groups", () => {
    const sim = cluster(0)
    return Effect.gen(function* () {
      const scheduler = yield* TaskScheduler
      // 80 groups that can never be placed: at 40 attempts/s, 1 s of clock allows about 40 attempts.
      for (let i = 0; i < 80; i++) {
        const c = task({ job: job(`g${i}`) })
        yield* scheduler.taskPending(sim.addPending(c), c)
      }
      yield* TestClock.adjust("1 millis")
      const groups = yield* scheduler.groups
      const attempts = (gs: typeof groups) => gs.reduce((n, g) => n + g.attempts, 0)
      expect(attempts(groups)).toBe(1)
      yield* TestClock.adjust("1000 millis")
      const after = attempts(yield* scheduler.groups)
      expect(after).toBeGreaterThanOrEqual(40)
      expect(after).toBeLessThanOrEqual(42)
      expect((yield* Metric.value(scheduleAttemptsBlocks)).count).toBeGreaterThanOrEqual(39)
    }).pipe(Effect.provide(placementLayer(sim)))
  })
})

describe("update affinity (§1.3)", () => {
  it.scoped("an instance with a reservation waits for its agent; others keep off that agent", () => {
    const sim = cluster(3)
    const t = task({ job: job("u"), resources: res(1, 128, 128) })
    const mine = sim.addPending(t, 7)
    const other = sim.addPending(t, 8)
    return Effect.gen(function* () {
      const scheduler = yield* TaskScheduler
      yield* ticks(sim, 1, 0)
      yield* scheduler.reserveForUpdate(t.job, 7, "agent-host-2")
      const done = yield* scheduler.schedule([mine, other])
      expect([...done].sort()).toEqual([mine, other].sort())
      expect(sim.taskAgent(mine)).toBe("agent-host-2")
      expect(sim.taskAgent(other)).not.toBe("agent-host-2")
      // The reservation was used up; without an offer on its agent a reserved instance waits.
      const again = sim.addPending(t, 9)
      yield* scheduler.reserveForUpdate(t.job, 9, "agent-host-2")
      expect(yield* scheduler.schedule([again])).toEqual([])
      yield* scheduler.releaseUpdateReservation(t.job, 9)
      expect(yield* scheduler.schedule([again])).toEqual([again])
    }).pipe(
      Effect.provide(
        placementLayer(sim, {
          offers: { holdOffersForever: true },
          scheduler: { enableUpdateAffinity: true }
        })
      )
    )
  })
})

describe("group start-up delay (§1.1)", () => {
  it.scoped("tasks loaded at start-up wait a random delay under 30 s plus their flapping penalty", () => {
    const sim = cluster(2)
    const configs = Array.from({ length: 20 }, (_, i) => task({ job: job(`s${i}`) }))
    return Effect.gen(function* () {
      const scheduler = yield* TaskScheduler
      for (const c of configs)
        yield* scheduler.taskPending(sim.addPending(c), c, { startup: true, flappingPenaltyMs: 1000 })
      const delays = (yield* scheduler.groups).map((g) => g.penaltyMs)
      expect(delays.every((d) => d >= 1000 && d < 31_000)).toBe(true)
      expect(new Set(delays).size).toBeGreaterThan(10)
      const real = task({ job: job("real") })
      yield* scheduler.taskPending(sim.addPending(real), real)
      expect((yield* scheduler.groups).find((g) => g.name === "www/prod/real")?.penaltyMs).toBe(1)
    }).pipe(Effect.provide(placementLayer(sim)))
  })
})

describe("backoff", () => {
  it("starts at 1 ms, roughly doubles, and stops at 60 s", () => {
    const r = seededRandom(9)
    let p = DEFAULT_SCHEDULING.firstScheduleDelayMs
    const seen = [p]
    for (let i = 0; i < 30; i++) {
      p = nextPenalty(p, r, DEFAULT_SCHEDULING)
      seen.push(p)
    }
    expect(seen[1]).toBeGreaterThanOrEqual(1)
    expect(seen[1]).toBeLessThanOrEqual(2)
    expect(seen.at(-1)).toBe(60_000)
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1])
    expect(nextPenalty(0, () => 0.5, DEFAULT_SCHEDULING)).toBe(1500)
  })
})
