import { Effect, TestContext } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Constraint, TaskConfig } from "../../src/domain/model/index.ts"
import {
  addBags,
  type Bag,
  bag,
  bagGreaterThanOrEqual,
  canPreempt,
  checkCreateQuota,
  compileHost,
  consumption,
  EMPTY_BAG,
  EMPTY_COUNTS,
  filter,
  makeRequest,
  makeVictim,
  quotaBag,
  quotaCategory,
  type RoleUsage,
  rankOf,
  scaleBag,
  selectVictims
} from "../../src/domain/placement/index.ts"
import { SimulatedCluster } from "../../src/layers/placement/SimulatedCluster.ts"
import { TaskScheduler } from "../../src/services/TaskScheduler.ts"
import { res, task } from "../unit/placement/fixtures.ts"
import { placementLayer, ticks } from "../unit/placement/harness.ts"

const settings = { nowMs: 0, unavailabilityThresholdMs: 360_000 }
const arbBag = fc.record({
  cpus: fc.double({ min: 0, max: 16, noNaN: true }),
  ramMb: fc.integer({ min: 0, max: 32768 }),
  diskMb: fc.integer({ min: 0, max: 100_000 }),
  ports: fc.integer({ min: 0, max: 5 }),
  gpus: fc.integer({ min: 0, max: 2 })
})

const runEffect = <A>(e: Effect.Effect<A, never, never>) =>
  Effect.runPromise(e.pipe(Effect.provide(TestContext.TestContext)))

describe("placement properties", () => {
  it("a veto-free filter result never exceeds the offered resources, and every excess is vetoed", () => {
    fc.assert(
      fc.property(arbBag, arbBag, (requested, available) => {
        const config = task()
        const vetoes = filter(
          available,
          compileHost({ host: "h", attributes: [] }),
          undefined,
          makeRequest(config, requested, EMPTY_COUNTS),
          settings
        )
        expect(vetoes.length === 0).toBe(bagGreaterThanOrEqual(available, requested))
      }),
      { numRuns: 500 }
    )
  })

  const tier = fc.constantFrom("preferred", "preemptible", "revocable")
  const rankArb = fc.record({
    tier,
    role: fc.constantFrom("a", "b"),
    priority: fc.integer({ min: 0, max: 3 })
  })
  const cfgOf = (r: { tier: string; role: string; priority: number }) =>
    task({ tier: r.tier, priority: r.priority, job: { role: r.role, environment: "prod", name: "j" } })

  it("production tasks are never preempted by non-production ones, nor by equal or lower priority of the same tier", () => {
    fc.assert(
      fc.property(rankArb, rankArb, (p, v) => {
        const ok = canPreempt(rankOf(cfgOf(p)), rankOf(cfgOf(v)))
        if (v.tier === "preferred" && p.tier !== "preferred") expect(ok).toBe(false)
        if (p.tier === v.tier && p.priority <= v.priority) expect(ok).toBe(false)
      }),
      { numRuns: 500 }
    )
  })

  it("victim selection only ever picks eligible victims and frees enough for the task", () => {
    fc.assert(
      fc.property(
        rankArb,
        fc.array(fc.tuple(rankArb, fc.integer({ min: 1, max: 4 })), { maxLength: 6 }),
        arbBag,
        (p, victims, slack) => {
          const pending = cfgOf(p)
          const req = makeRequest(pending, bag({ cpus: 3, ramMb: 100, diskMb: 100 }), EMPTY_COUNTS)
          const vs = victims.map(([r, cpus], i) =>
            makeVictim(`v${i}`, { ...cfgOf(r), resources: res(cpus, 100, 100) })
          )
          const chosen = selectVictims(
            req,
            rankOf(pending),
            {
              agentId: "a",
              host: compileHost({ host: "h", attributes: [] }),
              slack,
              unavailabilityStartMs: undefined,
              victims: vs
            },
            settings
          )
          if (chosen === undefined) return
          for (const v of chosen) expect(canPreempt(rankOf(pending), v.rank)).toBe(true)
          const freed = chosen.reduce((b, v) => addBags(b, v.bag), slack)
          expect(bagGreaterThanOrEqual(freed, req.bag)).toBe(true)
        }
      ),
      { numRuns: 300 }
    )
  })

  it("an accepted create never takes a role past its quota", () => {
    const prodTask = (cpus: number, name = "x", dedicated = false) =>
      task({
        production: true,
        job: { role: "r", environment: "prod", name },
        resources: res(cpus, 100, 100),
        constraints: dedicated
          ? [{ name: "dedicated", constraint: { value: { negated: false, values: ["r/x"] } } }]
          : []
      })
    fc.assert(
      fc.property(
        fc.record({
          cpus: fc.integer({ min: 0, max: 40 }),
          ramMb: fc.integer({ min: 0, max: 4000 }),
          diskMb: fc.integer({ min: 0, max: 4000 })
        }),
        fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 10 }),
        fc.boolean(),
        (q, existing, cpus, n, production) => {
          const quota: Bag = { ...EMPTY_BAG, ...q }
          const usage: RoleUsage = {
            tasks: existing.map((c, i) => ({ config: prodTask(c, `e${i}`), instanceId: 0 })),
            updates: [],
            crons: []
          }
          const template = production ? prodTask(cpus) : { ...prodTask(cpus), production: false }
          const check = checkCreateQuota(quota, usage, template, n)
          if (check._tag === "Sufficient" && quotaCategory(template) === "PROD_SHARED") {
            const after = addBags(consumption(usage, "PROD_SHARED"), scaleBag(quotaBag(template), n))
            expect(bagGreaterThanOrEqual(quota, after)).toBe(true)
          }
        }
      ),
      { numRuns: 300 }
    )
  })
})

/** A random cluster and tasks; the scheduler loop runs against it on the test clock. */
const scenario = fc.record({
  hosts: fc.integer({ min: 2, max: 12 }),
  racks: fc.integer({ min: 1, max: 4 }),
  jobs: fc.array(
    fc.record({
      count: fc.integer({ min: 1, max: 6 }),
      cpus: fc.integer({ min: 1, max: 3 }),
      ports: fc.integer({ min: 0, max: 2 }),
      hostLimit: fc.boolean(),
      rackLimit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined })
    }),
    { minLength: 1, maxLength: 4 }
  )
})

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never

const run = (s: Scenario, limits: boolean) => {
  const sim = new SimulatedCluster()
  for (let i = 0; i < s.hosts; i++) {
    sim.addAgent(`host-${i}`, bag({ cpus: 8, ramMb: 16384, diskMb: 65536, ports: 1023 }), {
      rack: [`rack-${i % s.racks}`]
    })
  }
  const configs: Array<TaskConfig> = s.jobs.map((j, n) => {
    const constraints: Array<Constraint> = []
    if (limits && j.hostLimit) constraints.push({ name: "host", constraint: { limit: { limit: 1 } } })
    if (limits && j.rackLimit !== undefined)
      constraints.push({ name: "rack", constraint: { limit: { limit: j.rackLimit } } })
    return task({
      job: { role: "r", environment: "prod", name: `j${n}` },
      resources: res(
        j.cpus,
        256,
        256,
        Array.from({ length: j.ports }, (_, p) => `p${p}`)
      ),
      constraints
    })
  })
  const ids = s.jobs.flatMap((j, n) =>
    Array.from({ length: j.count }, (_, i) => ({ id: sim.addPending(configs[n], i), config: configs[n] }))
  )
  return runEffect(
    Effect.gen(function* () {
      const scheduler = yield* TaskScheduler
      for (const t of ids) yield* scheduler.taskPending(t.id, t.config)
      yield* ticks(sim, 40, 100)
      return { sim, ids, configs }
    }).pipe(Effect.provide(placementLayer(sim)), Effect.scoped)
  )
}

describe("scheduler loop properties (simulated cluster, test clock)", () => {
  it("never exceeds an agent's resources nor a limit constraint", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { sim, configs } = await run(s, true)
        for (const a of sim.agents.values()) expect(bagGreaterThanOrEqual(a.capacity, a.used)).toBe(true)
        // No port is handed to two running tasks of one agent.
        const seen = new Set<string>()
        for (const l of sim.launched) {
          if (sim.status(l.taskId) !== "RUNNING") continue
          for (const p of Object.values(l.ports)) {
            const k = `${l.agentId}:${p}`
            expect(seen.has(k)).toBe(false)
            seen.add(k)
          }
        }
        s.jobs.forEach((j, n) => {
          const hosts = sim.jobHosts(configs[n].job)
          const per = (attr: string) => {
            const m = new Map<string, number>()
            for (const h of hosts)
              for (const v of h.attributes.find((a) => a.name === attr)?.values ?? [])
                m.set(v, (m.get(v) ?? 0) + 1)
            return Math.max(0, ...m.values())
          }
          if (j.hostLimit) expect(per("host")).toBeLessThanOrEqual(1)
          if (j.rackLimit !== undefined) expect(per("rack")).toBeLessThanOrEqual(j.rackLimit)
        })
      }),
      { numRuns: 25 }
    )
  })

  it("places every task when capacity is ample", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        // Ample: each agent could hold every task at once (8 cpus ≥ total demand is not needed; one task per agent is).
        const total = s.jobs.reduce((n, j) => n + j.count, 0)
        fc.pre(total <= s.hosts * 2)
        const { sim, ids } = await run(s, false)
        expect(ids.filter((t) => sim.status(t.id) !== "RUNNING")).toEqual([])
      }),
      { numRuns: 25 }
    )
  })
})
