import { Clock, Effect, Layer, TestClock } from "effect"
import { bag } from "../../../src/domain/placement/index.ts"
import {
  OfferManagerLive,
  type OfferManagerSettings
} from "../../../src/layers/placement/OfferManagerLive.ts"
import { PreemptorLive, type PreemptorSettings } from "../../../src/layers/placement/PreemptorLive.ts"
import { SimulatedCluster } from "../../../src/layers/placement/SimulatedCluster.ts"
import {
  TaskSchedulerLive,
  type TaskSchedulerSettings
} from "../../../src/layers/placement/TaskSchedulerLive.ts"
import { OfferManager } from "../../../src/services/OfferManager.ts"

export const STANDARD = bag({ cpus: 8, ramMb: 16384, diskMb: 262144, ports: 1023 })

export const cluster = (n: number, racks = n, capacity = STANDARD): SimulatedCluster => {
  const sim = new SimulatedCluster()
  for (let i = 0; i < n; i++) sim.addAgent(`host-${i}`, capacity, { rack: [`rack-${i % racks}`] })
  return sim
}

export const placementLayer = (
  sim: SimulatedCluster,
  o: {
    readonly offers?: Partial<OfferManagerSettings>
    readonly preemptor?: Partial<PreemptorSettings>
    readonly scheduler?: Partial<TaskSchedulerSettings>
  } = {}
) => {
  const base = sim.layer
  const offers = OfferManagerLive({ seed: 1, ...o.offers }).pipe(Layer.provide(base))
  const withOffers = Layer.merge(base, offers)
  const preemptor = PreemptorLive(o.preemptor).pipe(Layer.provide(withOffers))
  const scheduler = TaskSchedulerLive(o.scheduler).pipe(Layer.provide(Layer.merge(withOffers, preemptor)))
  return Layer.mergeAll(withOffers, preemptor, scheduler)
}

/** Keeps the simulated clock in step and offers every agent's free resources when it has no offer held. */
export const tick = (sim: SimulatedCluster, stepMs: number) =>
  Effect.gen(function* () {
    const offers = yield* OfferManager
    const now = yield* Clock.currentTimeMillis
    sim.now = () => now
    for (const [agentId, agent] of sim.agents) {
      const held = yield* offers.byAgent(agentId)
      // Freed resources: the cluster rescinds the stale offer and offers what is free now.
      if (held !== undefined && held.nonRevocable.cpus !== agent.capacity.cpus - agent.used.cpus) {
        yield* offers.rescind(held.offer.id)
      } else if (held !== undefined) continue
      yield* offers.add(sim.offerFor(agentId))
    }
    yield* TestClock.adjust(`${stepMs} millis`)
  })

export const ticks = (sim: SimulatedCluster, n: number, stepMs: number) =>
  Effect.forEach(Array.from({ length: n }), () => tick(sim, stepMs), { discard: true })
