import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Layer, TestClock } from "effect"
import { EMPTY_COUNTS, makeRequest, taskRequestBag } from "../../../src/domain/placement/index.ts"
import { MaintenanceControllerLive } from "../../../src/layers/placement/MaintenanceControllerLive.ts"
import { OfferManagerLive } from "../../../src/layers/placement/OfferManagerLive.ts"
import { MaintenanceController } from "../../../src/services/MaintenanceController.ts"
import { OfferManager } from "../../../src/services/OfferManager.ts"
import { Preemptor } from "../../../src/services/Preemptor.ts"
import { TaskScheduler } from "../../../src/services/TaskScheduler.ts"
import { limit, offer, res, task } from "./fixtures.ts"
import { cluster, placementLayer, tick } from "./harness.ts"

const job = (role: string, name: string) => ({ role, environment: "prod", name })

describe("offer manager (scheduling.md §1.4)", () => {
  const layer = (hold: Partial<Parameters<typeof OfferManagerLive>[0]> = {}) => {
    const sim = cluster(0)
    return {
      sim,
      layer: Layer.merge(sim.layer, OfferManagerLive({ seed: 3, ...hold }).pipe(Layer.provide(sim.layer)))
    }
  }
  const req = (c = task()) => makeRequest(c, taskRequestBag(c), EMPTY_COUNTS)

  it.scoped("declines both offers when a second arrives from the same agent", () => {
    const { sim, layer: l } = layer()
    return Effect.gen(function* () {
      const om = yield* OfferManager
      yield* om.add(offer("o1", "a"))
      yield* om.add(offer("o2", "a"))
      expect(sim.declined).toEqual(["o1", "o2"])
      expect((yield* om.stats).held).toBe(0)
    }).pipe(Effect.provide(l))
  })

  it.scoped("returns offers after the hold time plus jitter, unless held forever", () => {
    const { sim, layer: l } = layer()
    return Effect.gen(function* () {
      const om = yield* OfferManager
      yield* om.add(offer("o1", "a"))
      yield* TestClock.adjust("299 seconds")
      expect(sim.declined).toEqual([])
      yield* TestClock.adjust("62 seconds")
      expect(sim.declined).toEqual(["o1"])
      expect((yield* om.stats).held).toBe(0)
    }).pipe(Effect.provide(l))
  })

  it.scoped("holds offers forever when told to", () => {
    const { sim, layer: l } = layer({ holdOffersForever: true })
    return Effect.gen(function* () {
      const om = yield* OfferManager
      yield* om.add(offer("o1", "a"))
      yield* TestClock.adjust("1 hours")
      expect(sim.declined).toEqual([])
      expect((yield* om.stats).held).toBe(1)
    }).pipe(Effect.provide(l))
  })

  it.scoped("drops an offer whose rescind arrived first; a global ban hides an offer until it goes", () => {
    const { layer: l } = layer({ holdOffersForever: true })
    return Effect.gen(function* () {
      const om = yield* OfferManager
      yield* om.rescind("o9")
      yield* om.add(offer("o9", "a"))
      expect((yield* om.stats).held).toBe(0)
      yield* om.add(offer("o10", "b"))
      yield* om.banGlobally("o10")
      expect((yield* om.stats).held).toBe(1)
      expect(yield* om.all).toEqual([])
      expect(yield* om.byAgent("agent-b")).toBeUndefined()
      expect(yield* om.firstMatch("g", req())).toBeUndefined()
      yield* om.rescind("o10")
      expect((yield* om.stats).held).toBe(0)
    }).pipe(Effect.provide(l))
  })

  it.scoped("a batch's cursor resumes after the previous match, and restarts when the order changed", () => {
    const { layer: l } = layer({ holdOffersForever: true, offerOrder: ["CPU"] })
    return Effect.gen(function* () {
      const om = yield* OfferManager
      for (const [id, cpus] of [
        ["o1", 2],
        ["o2", 3],
        ["o3", 4],
        ["o4", 5]
      ] as const)
        yield* om.add(offer(id, `h-${id}`, { cpus }))
      const c = task({ resources: res(1, 100, 100) })
      const chosen = new Set<string>()
      const seen: Array<string> = []
      const asked: Array<string> = []
      const cursor = { layout: -1, at: 0 }
      const next = Effect.map(
        om.firstMatch(
          "g",
          req(c),
          (p) => {
            asked.push(p.offer.id)
            return chosen.has(p.offer.id)
          },
          (p) => seen.push(p.offer.id),
          cursor
        ),
        (p) => {
          if (p !== undefined) chosen.add(p.offer.id)
          return p?.offer.id
        }
      )
      expect(yield* next).toBe("o1")
      expect(yield* next).toBe("o2")
      // A new offer ranks before the unchosen ones: the order changed, so the scan starts over (skipping chosen ones).
      yield* om.add(offer("o0", "h-o0", { cpus: 2.5 }))
      expect(yield* next).toBe("o0")
      expect(yield* next).toBe("o3")
      expect(yield* next).toBe("o4")
      expect(yield* next).toBeUndefined()
      expect(seen).toEqual([])
      // Offers before the previous match are not looked at again (except after the reordering).
      expect(asked).toEqual(["o1", "o2", "o1", "o0", "o2", "o3", "o4"])
    }).pipe(Effect.provide(l))
  })

  it.scoped("re-sorts a host whose attributes change and vetoes it while draining", () => {
    const { sim, layer: l } = layer({ holdOffersForever: true, offerOrder: ["CPU"] })
    return Effect.gen(function* () {
      const om = yield* OfferManager
      yield* om.add(offer("small", "a", { cpus: 2 }))
      yield* om.add(offer("big", "b", { cpus: 4 }))
      expect((yield* om.all).map((p) => p.offer.id)).toEqual(["small", "big"])
      const a = sim.hosts.get("a") ?? { host: "a", attributes: [{ name: "host", values: ["a"] }] }
      yield* om.hostAttributesChanged({ ...a, mode: "DRAINING" })
      expect((yield* om.all).map((p) => p.offer.id)).toEqual(["big", "small"])
      const vetoes: Array<string> = []
      const c = task({ resources: res(1, 100, 100) })
      const got = yield* om.firstMatch(
        "g",
        req(c),
        (p) => p.offer.id === "big",
        (p, v) => vetoes.push(`${p.offer.id}:${v[0].reason}`)
      )
      expect(got).toBeUndefined()
      expect(vetoes).toEqual(["small:Host draining for maintenance"])
    }).pipe(Effect.provide(l))
  })

  it.scoped(
    "static bans skip the filter for a group and go with their offer; dynamic vetoes never ban",
    () => {
      const { layer: l } = layer()
      return Effect.gen(function* () {
        const om = yield* OfferManager
        yield* om.add(offer("o1", "a", { cpus: 2 }))
        let evaluated = 0
        const count = () => {
          evaluated++
        }
        const big = req(task({ resources: res(16, 100, 100) }))
        yield* om.firstMatch("big", big, undefined, count)
        yield* om.firstMatch("big", big, undefined, count)
        expect(evaluated).toBe(1)
        expect((yield* om.stats).staticBans).toBe(1)
        // Another group is not affected by the first group's ban.
        yield* om.firstMatch("other", req(task({ resources: res(32, 100, 100) })), undefined, count)
        expect(evaluated).toBe(2)
        const limited = req(task({ constraints: [limit("host", 0)] }))
        yield* om.firstMatch("lim", limited, undefined, count)
        yield* om.firstMatch("lim", limited, undefined, count)
        expect(evaluated).toBe(4)
        expect((yield* om.stats).staticBans).toBe(2)
        // The ban lasts the hold window (6 min), so it goes when the offer is returned.
        yield* TestClock.adjust("361 seconds")
        expect(yield* om.stats).toMatchObject({ held: 0, staticBans: 0 })
        yield* om.add(offer("o2", "a", { cpus: 2 }))
        yield* om.firstMatch("big", big, undefined, count)
        expect(evaluated).toBe(5)
      }).pipe(Effect.provide(l))
    }
  )

  it.scoped("an offer takes its own attributes but keeps the host's stored maintenance mode", () => {
    const sim = cluster(2)
    sim.hosts.set("host-0", { ...sim.hosts.get("host-0")!, mode: "DRAINED" })
    const l = Layer.merge(sim.layer, OfferManagerLive({ seed: 3 }).pipe(Layer.provide(sim.layer)))
    return Effect.gen(function* () {
      const om = yield* OfferManager
      yield* om.add({ ...sim.offerFor("agent-host-0"), attributes: [{ name: "rack", values: ["new"] }] })
      yield* om.add(sim.offerFor("agent-host-1"))
      const all = yield* om.all
      expect(all.map((p) => [p.offer.host, p.host.mode])).toEqual([
        ["host-1", "NONE"],
        ["host-0", "DRAINED"]
      ])
      expect(all[1].host.values.get("rack")).toEqual(["new"])
      const got = yield* om.firstMatch(
        "g",
        req(task({ resources: res(1, 10, 10) })),
        (p) => p.offer.host === "host-1"
      )
      expect(got).toBeUndefined()
    }).pipe(Effect.provide(l))
  })

  it.scoped("launch removes the offer; a second launch of it fails with the data-race message", () => {
    const { sim, layer: l } = layer({ holdOffersForever: true })
    return Effect.gen(function* () {
      const om = yield* OfferManager
      yield* om.add(offer("o1", "a"))
      const spec = { taskId: "t", config: task(), host: "a", agentId: "agent-a", ports: {} }
      yield* om.launch("o1", spec)
      expect(sim.launched).toHaveLength(1)
      const again = yield* Effect.flip(om.launch("o1", spec))
      expect(again.message).toBe("Offer no longer exists in offer queue, likely data race.")
      yield* om.add(offer("o2", "b"))
      yield* om.driverDisconnected
      expect((yield* om.stats).held).toBe(0)
    }).pipe(Effect.provide(l))
  })
})

describe("preemptor (§2.3-2.4) through the scheduler", () => {
  it.scoped("finds a slot, preempts the victim, reserves the agent and places the pending task there", () => {
    const sim = cluster(2)
    const victim = task({ job: job("victim", "v"), tier: "preemptible", resources: res(6, 8192, 1024) })
    const v0 = sim.placeRunning(victim, "agent-host-0")
    sim.placeRunning(victim, "agent-host-1")
    const prod = task({
      job: job("www", "p"),
      tier: "preferred",
      production: true,
      resources: res(6, 8192, 1024)
    })
    const pending = sim.addPending(prod)
    return Effect.gen(function* () {
      const scheduler = yield* TaskScheduler
      const preemptor = yield* Preemptor
      const now = yield* Clock.currentTimeMillis
      sim.now = () => now
      yield* tick(sim, 2000)
      expect(yield* scheduler.schedule([pending])).toEqual([])
      const found = yield* preemptor.searchSlots
      expect(found).toEqual([{ groupKey: expect.any(String), agentId: "agent-host-0", victims: [v0] }])
      // A second pass skips the group: it already has a cached slot.
      expect(yield* preemptor.searchSlots).toEqual([])
      expect(yield* scheduler.schedule([pending])).toEqual([])
      expect(sim.status(v0)).toBe("PREEMPTING")
      expect([...(yield* scheduler.reservations).keys()]).toEqual(["agent-host-0"])
      const [replacement] = sim.completeKills()
      yield* tick(sim, 10)
      // The victim's replacement may not take the agent reserved for the production group.
      expect(yield* scheduler.schedule([replacement])).toEqual([])
      expect(yield* scheduler.schedule([pending])).toEqual([pending])
      expect(sim.taskAgent(pending)).toBe("agent-host-0")
      expect((yield* scheduler.reservations).size).toBe(0)
    }).pipe(
      Effect.provide(
        placementLayer(sim, { preemptor: { preemptionDelayMs: 1000, searchInitialDelayMs: 1e9 } })
      )
    )
  })

  it.scoped("the slot search runs by itself after its initial delay, then every minute", () => {
    const sim = cluster(1)
    const victim = task({ job: job("victim", "v"), tier: "preemptible", resources: res(6, 8192, 1024) })
    sim.placeRunning(victim, "agent-host-0")
    sim.addPending(task({ job: job("www", "p"), tier: "preferred", resources: res(6, 8192, 1024) }))
    return Effect.gen(function* () {
      const preemptor = yield* Preemptor
      yield* TestClock.adjust("179 seconds")
      expect(yield* preemptor.cachedSlots).toBe(0)
      yield* TestClock.adjust("2 seconds")
      expect(yield* preemptor.cachedSlots).toBe(1)
    }).pipe(Effect.provide(placementLayer(sim)))
  })

  it.scoped("cached slots expire after the hold time and reservations after three minutes", () => {
    const sim = cluster(1)
    const victim = task({ job: job("victim", "v"), tier: "preemptible", resources: res(6, 8192, 1024) })
    sim.placeRunning(victim, "agent-host-0")
    const prod = task({ job: job("www", "p"), tier: "preferred", resources: res(6, 8192, 1024) })
    const pending = sim.addPending(prod)
    return Effect.gen(function* () {
      const scheduler = yield* TaskScheduler
      const preemptor = yield* Preemptor
      yield* tick(sim, 2000)
      expect(yield* preemptor.searchSlots).toHaveLength(1)
      expect(yield* preemptor.cachedSlots).toBe(1)
      yield* TestClock.adjust("301 seconds")
      expect(yield* preemptor.cachedSlots).toBe(0)
      expect(yield* preemptor.searchSlots).toHaveLength(1)
      yield* scheduler.schedule([pending])
      expect((yield* scheduler.reservations).get("agent-host-0")).toBeDefined()
      yield* TestClock.adjust("181 seconds")
      expect((yield* scheduler.reservations).size).toBe(0)
    }).pipe(
      Effect.provide(
        placementLayer(sim, { preemptor: { preemptionDelayMs: 1000, searchInitialDelayMs: 1e9 } })
      )
    )
  })

  it.scoped("never preempts for a task of equal priority in the same tier", () => {
    const sim = cluster(1)
    const a = task({ job: job("www", "a"), tier: "preferred", resources: res(6, 8192, 1024) })
    sim.placeRunning(a, "agent-host-0")
    const pending = sim.addPending(
      task({ job: job("www", "b"), tier: "preferred", resources: res(6, 8192, 1024) })
    )
    return Effect.gen(function* () {
      yield* tick(sim, 5000)
      expect(yield* (yield* Preemptor).searchSlots).toEqual([])
      expect(yield* (yield* TaskScheduler).schedule([pending])).toEqual([])
    }).pipe(
      Effect.provide(
        placementLayer(sim, { preemptor: { preemptionDelayMs: 1000, searchInitialDelayMs: 1e9 } })
      )
    )
  })
})

describe("maintenance controller (§5)", () => {
  const withMaintenance = (sim: ReturnType<typeof cluster>) => {
    const base = placementLayer(sim, { offers: { holdOffersForever: true } })
    return Layer.merge(base, MaintenanceControllerLive().pipe(Layer.provide(base)))
  }

  it.scoped("drain moves tasks to DRAINING, keeps new work off the host and ends DRAINED", () => {
    const sim = cluster(3)
    const t = task({ job: job("www", "d"), resources: res(1, 128, 128) })
    const onHost = [sim.placeRunning(t, "agent-host-0", 0), sim.placeRunning(t, "agent-host-0", 1)]
    return Effect.gen(function* () {
      const mc = yield* MaintenanceController
      const scheduler = yield* TaskScheduler
      yield* tick(sim, 1)
      expect(yield* mc.startMaintenance(["host-2", "nowhere"])).toEqual([
        { host: "host-2", mode: "SCHEDULED" }
      ])
      const statuses = yield* mc.drain(["host-0", "host-1", "nowhere"])
      expect(statuses).toEqual([
        { host: "host-0", mode: "DRAINING" },
        { host: "host-1", mode: "DRAINED" }
      ])
      expect(onHost.map((id) => sim.status(id))).toEqual(["DRAINING", "DRAINING"])
      const replacements = sim.completeKills()
      yield* mc.taskTerminated("host-0")
      expect(yield* mc.status(["host-0", "host-1", "host-2"])).toEqual([
        { host: "host-0", mode: "DRAINED" },
        { host: "host-1", mode: "DRAINED" },
        { host: "host-2", mode: "SCHEDULED" }
      ])
      for (const id of replacements) {
        yield* tick(sim, 1)
        expect(yield* scheduler.schedule([id])).toEqual([id])
      }
      expect(replacements.map((id) => sim.taskAgent(id))).toEqual(["agent-host-2", "agent-host-2"])
      expect(yield* mc.endMaintenance(["host-0", "host-1", "host-2"])).toEqual([
        { host: "host-0", mode: "NONE" },
        { host: "host-1", mode: "NONE" },
        { host: "host-2", mode: "NONE" }
      ])
    }).pipe(Effect.provide(withMaintenance(sim)))
  })

  it.scoped("an inverse offer inside the threshold drains the host's tasks without changing its mode", () => {
    const sim = cluster(2)
    const t = task({ job: job("www", "inv"), resources: res(1, 128, 128) })
    return Effect.gen(function* () {
      const mc = yield* MaintenanceController
      const id = sim.placeRunning(t, "agent-host-0")
      yield* TestClock.adjust("1 hours")
      const now = yield* Clock.currentTimeMillis
      yield* mc.inverseOffer("host-0", now + 10 * 60_000)
      expect(sim.status(id)).toBe("RUNNING")
      yield* mc.inverseOffer("host-0", now + 5 * 60_000)
      expect(sim.status(id)).toBe("DRAINING")
      expect(yield* mc.status(["host-0"])).toEqual([{ host: "host-0", mode: "NONE" }])
    }).pipe(Effect.provide(withMaintenance(sim)))
  })

  it.scoped("an SLA drain waits until enough instances have run long enough", () => {
    const sim = cluster(20)
    const t = task({ job: job("www", "sla"), tier: "preferred", resources: res(1, 128, 128) })
    return Effect.gen(function* () {
      const mc = yield* MaintenanceController
      sim.now = () => 0
      const ids = Array.from({ length: 20 }, (_, i) => sim.placeRunning(t, `agent-host-${i}`, i))
      yield* mc.slaDrain(["host-0"], { countSlaPolicy: { count: 19, durationSecs: 600 } }, 7200)
      yield* mc.poll
      expect(sim.status(ids[0])).toBe("RUNNING")
      yield* TestClock.adjust("11 minutes")
      expect(sim.status(ids[0])).toBe("DRAINING")
      expect(ids.slice(1).every((id) => sim.status(id) === "RUNNING")).toBe(true)
    }).pipe(Effect.provide(withMaintenance(sim)))
  })

  it.scoped("asks an SLA coordinator over HTTP and drains only when it says so", () => {
    const sim = cluster(2)
    let answer = false
    const queries: Array<string> = []
    const server = createServer((req, res) => {
      queries.push(req.url ?? "")
      req.resume()
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({ drain: answer }))
      })
    })
    return Effect.gen(function* () {
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => {
          server.listen(0, "127.0.0.1", () => resume(Effect.void))
        }),
        () => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
      )
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/drain`
      const t = task({
        job: job("www", "co"),
        tier: "preferred",
        resources: res(1, 128, 128),
        slaPolicy: { coordinatorSlaPolicy: { coordinatorUrl: url, statusKey: "drain" } }
      })
      const id = sim.placeRunning(t, "agent-host-0")
      const mc = yield* MaintenanceController
      yield* mc.slaDrain(["host-0"], { countSlaPolicy: { count: 1, durationSecs: 0 } }, 3600)
      yield* mc.poll
      expect(sim.status(id)).toBe("RUNNING")
      answer = true
      yield* mc.poll
      expect(sim.status(id)).toBe("DRAINING")
      expect(queries[0]).toMatch(/^\/drain\?task=local\/www\/prod\/co\/0$/)
    }).pipe(Effect.provide(withMaintenance(sim)))
  })
})
