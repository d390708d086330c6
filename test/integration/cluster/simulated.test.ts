import { Chunk, Effect, Exit, Scope, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { bag } from "../../../src/domain/placement/index.ts"
import { makeSimulatedCluster } from "../../../src/layers/cluster/simulated.ts"
import type { ClusterEvent } from "../../../src/services/ClusterManager.ts"
import { contractSuite, taskConfig } from "./contract.ts"

describe("simulated cluster manager", () => {
  contractSuite(async (scope, o) => {
    const sim = await Effect.runPromise(
      Scope.extend(
        makeSimulatedCluster({
          agents: [{ host: "sim-host-0", capacity: bag({ cpus: 2, ramMb: 1024, diskMb: 1024 }) }],
          allocationIntervalMs: 50,
          behaviour: (spec) => (o.shortTaskIds.test(spec.taskId) ? { durationMs: 200 } : {})
        }),
        scope
      )
    )
    return { manager: sim.manager, loseHeartbeat: () => Effect.runPromise(sim.control.disconnect) }
  })

  it("loses an agent's tasks and rescinds its offer; fails a task on demand", async () => {
    const scope = Effect.runSync(Scope.make())
    try {
      const sim = await Effect.runPromise(
        Scope.extend(
          makeSimulatedCluster({
            agents: [0, 1, 2].map((i) => ({
              host: `h${i}`,
              capacity: bag({ cpus: 4, ramMb: 4096, diskMb: 4096 })
            }))
          }),
          scope
        )
      )
      const events: Array<ClusterEvent> = []
      const take = (n: number) =>
        Effect.runPromise(
          Effect.map(
            Stream.runCollect(Stream.take(sim.manager.events, n)),
            (c) => void events.push(...Chunk.toArray(c))
          )
        )
      await take(2) // Subscribed, one Offers event with all three agents
      const offers = events[1]._tag === "Offers" ? events[1].offers : []
      expect(offers.map((x) => x.host).sort()).toEqual(["h0", "h1", "h2"])
      const [o0, o1] = offers
      const spec = (id: string, o: (typeof offers)[number]) => ({
        taskId: id,
        config: taskConfig("sleep 30"),
        host: o.host,
        agentId: o.agentId,
        ports: {}
      })
      await Effect.runPromise(sim.manager.launch(o0, spec("a", o0), 5))
      await Effect.runPromise(sim.manager.launch(o1, spec("b", o1), 5))
      await take(4)
      expect(sim.control.taskState("a")).toBe("TASK_RUNNING")
      await Effect.runPromise(sim.control.loseAgent(o0.agentId))
      await Effect.runPromise(sim.control.failTask("b", "boom"))
      await take(2)
      const last = events
        .slice(-2)
        .map((e) => (e._tag === "Update" ? [e.status.taskId, e.status.state, e.status.reason] : []))
      expect(last).toEqual([
        ["a", "TASK_LOST", "REASON_AGENT_REMOVED"],
        ["b", "TASK_FAILED", undefined]
      ])
      // Launching on a lost agent's old offer: LOST with REASON_INVALID_OFFERS.
      await Effect.runPromise(sim.manager.launch(o0, spec("c", o0), 5))
      await take(1)
      const c = events[events.length - 1]
      expect(c._tag === "Update" && c.status.state === "TASK_LOST" && c.status.reason).toBe(
        "REASON_INVALID_OFFERS"
      )
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  })
})
