import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Queue, Stream, TestClock } from "effect"
import { bag } from "../../../src/domain/placement/index.ts"
import { makeSimulatedCluster, type SimAgentSpec } from "../../../src/layers/cluster/simulated.ts"
import type { ClusterEvent } from "../../../src/services/ClusterManager.ts"
import { ClusterManager, OfferDriverFromClusterManager } from "../../../src/services/ClusterManager.ts"
import { OfferDriver } from "../../../src/services/OfferDriver.ts"
import { taskConfig } from "../../integration/cluster/contract.ts"

const agents = (n: number): Array<SimAgentSpec> =>
  Array.from({ length: n }, (_, i) => ({
    host: `h${i}`,
    capacity: bag({ cpus: 8, ramMb: 16_384, diskMb: 100_000 }),
    attributes: { rack: `r${i % 10}` }
  }))

/** Pulls events off the manager's stream into a queue the test reads at its own pace. */
const collector = (events: Stream.Stream<ClusterEvent>) =>
  Effect.gen(function* () {
    const q = yield* Queue.unbounded<ClusterEvent>()
    yield* Effect.forkScoped(Stream.runForEach(events, (e) => Queue.offer(q, e)))
    // Let the forked reader catch up before looking (no time passes on the test clock).
    const settle = Effect.repeatN(Effect.yieldNow(), 20)
    return { all: Effect.zipRight(settle, Effect.map(Queue.takeAll(q), Chunk.toArray)) }
  })

describe("simulated cluster on the test clock", () => {
  it.scoped("offers 10,000 agents in batches, and re-offers a declined one only after its filter", () =>
    Effect.gen(function* () {
      const sim = yield* makeSimulatedCluster({ agents: agents(10_000), allocationIntervalMs: 1000 })
      const c = yield* collector(sim.manager.events)
      const first = yield* c.all
      expect(first[0]._tag).toBe("Subscribed")
      const offers = first.flatMap((e) => (e._tag === "Offers" ? e.offers : []))
      expect(first.filter((e) => e._tag === "Offers").length).toBe(10)
      expect(new Set(offers.map((o) => o.agentId)).size).toBe(10_000)
      yield* sim.manager.decline([offers[0].id], 5)
      yield* TestClock.adjust(4000)
      expect((yield* c.all).length).toBe(0)
      yield* TestClock.adjust(2000)
      const again = (yield* c.all).flatMap((e) => (e._tag === "Offers" ? e.offers : []))
      expect(again.map((o) => o.agentId)).toEqual([offers[0].agentId])
    })
  )

  it.scoped("runs scripted tasks to their end and provides the OfferDriver placement uses", () =>
    Effect.gen(function* () {
      const sim = yield* makeSimulatedCluster({
        agents: agents(2),
        allocationIntervalMs: 100,
        behaviour: (s) => (s.taskId === "short" ? { durationMs: 1000, outcome: "TASK_FAILED" } : {})
      })
      const c = yield* collector(sim.manager.events)
      const offers = (yield* c.all).flatMap((e) => (e._tag === "Offers" ? e.offers : []))
      const driver = yield* Effect.provide(
        OfferDriver,
        OfferDriverFromClusterManager.pipe(Layer.provide(Layer.succeed(ClusterManager, sim.manager)))
      )
      const o = offers[0]
      yield* driver.launch(
        o,
        { taskId: "short", config: taskConfig("x"), host: o.host, agentId: o.agentId, ports: {} },
        60_000
      )
      expect(sim.control.taskState("short")).toBe("TASK_RUNNING")
      yield* TestClock.adjust(1100)
      expect(sim.control.taskState("short")).toBe("TASK_FAILED")
      const updates = (yield* c.all).flatMap((e) => (e._tag === "Update" ? [e.status] : []))
      expect(updates.map((u) => u.state)).toEqual(["TASK_STARTING", "TASK_RUNNING", "TASK_FAILED"])
      expect(sim.control.unacknowledged()).toBe(3)
      // Acknowledged terminal tasks are forgotten: reconciliation then calls them LOST.
      yield* Effect.forEach(updates, (u) => sim.manager.acknowledge(u))
      expect(sim.control.unacknowledged()).toBe(0)
      yield* sim.manager.reconcile([{ taskId: "short" }])
      const rec = (yield* c.all).flatMap((e) => (e._tag === "Update" ? [e.status] : []))
      expect(rec.map((u) => [u.state, u.reason])).toEqual([["TASK_LOST", "REASON_RECONCILIATION"]])
    })
  )
})
