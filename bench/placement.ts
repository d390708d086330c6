// Aurora's SchedulingBenchmarks (scheduling.md §8) on the simulated cluster, single-threaded.
// Usage: npm run bench -- placement [--seconds=N]

import { Effect, Layer, ManagedRuntime } from "effect"
import type { TaskConfig } from "../src/domain/model/index.ts"
import { bag } from "../src/domain/placement/index.ts"
import { OfferManagerLive } from "../src/layers/placement/OfferManagerLive.ts"
import { OfferStore } from "../src/layers/placement/offerStore.ts"
import { PreemptorLive } from "../src/layers/placement/PreemptorLive.ts"
import { SimulatedCluster } from "../src/layers/placement/SimulatedCluster.ts"
import { TaskSchedulerLive } from "../src/layers/placement/TaskSchedulerLive.ts"
import { OfferDriver } from "../src/services/OfferDriver.ts"
import { OfferManager } from "../src/services/OfferManager.ts"
import { PlacementState } from "../src/services/PlacementState.ts"
import { Preemptor } from "../src/services/Preemptor.ts"
import { TaskScheduler } from "../src/services/TaskScheduler.ts"
import { printResult } from "./_result.ts"

const seconds = Number(process.argv.find((a) => a.startsWith("--seconds="))?.slice(10) ?? 3)
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7)
const enabled = (n: number) => only === undefined || only.split(",").includes(String(n))

const AGENT = bag({ cpus: 8, ramMb: 16 * 1024, diskMb: 256 * 1024, ports: 1023 })
const config = (o: {
  role?: string
  tier: string
  cpus?: number
  constraints?: TaskConfig["constraints"]
}): TaskConfig => ({
  job: { role: o.role ?? "jmh", environment: "dev", name: "benchmark" },
  owner: { user: o.role ?? "jmh" },
  isService: true,
  priority: 0,
  maxTaskFailures: 1,
  tier: o.tier,
  production: o.tier === "preferred",
  resources: [{ numCpus: o.cpus ?? 6 }, { ramMb: 8 * 1024 }, { diskMb: 128 * 1024 }],
  constraints: o.constraints ?? [],
  executorConfig: { name: "AuroraExecutor", data: "{}" },
  container: { mesos: { volumes: [] } }
})

interface Setup {
  readonly sim: SimulatedCluster
  readonly runtime: ManagedRuntime.ManagedRuntime<TaskScheduler | Preemptor | OfferManager, never>
}

/** Hosts host-i (2 per rack), pre-filled with siblings (prod) and victims (role victim, preemptible). */
const setup = async (
  hosts: number,
  siblings: number,
  victims: number,
  versioned = true,
  staticBans = true
): Promise<Setup> => {
  const sim = new SimulatedCluster()
  sim.now = () => Date.now()
  for (let i = 0; i < hosts; i++) sim.addAgent(`host-${i}`, AGENT, { rack: [`rack-${i >> 1}`] })
  const agents = [...sim.agents.keys()]
  const sib = config({ tier: "preferred" })
  const vic = config({ role: "victim", tier: "preemptible" })
  const nSib = Math.floor(hosts * siblings)
  const nVic = Math.floor(hosts * victims)
  for (let i = 0; i < nSib; i++) sim.placeRunning(sib, agents[i], i)
  for (let i = 0; i < nVic; i++) sim.placeRunning(vic, agents[nSib + i], i)
  // Without the change counter a slot search rebuilds its agent views every pass.
  const { agentTasksVersion: _, ...unversioned } = sim.state
  const base = versioned
    ? sim.layer
    : Layer.merge(Layer.succeed(PlacementState, unversioned), Layer.succeed(OfferDriver, sim.driver))
  const offers = OfferManagerLive({
    seed: 42,
    holdOffersForever: true,
    unavailabilityThresholdMs: 60_000,
    ...(staticBans ? {} : { staticBanMaxEntries: 0 })
  }).pipe(Layer.provide(base))
  const withOffers = Layer.merge(base, offers)
  const preemptor = PreemptorLive({ preemptionDelayMs: 1, searchInitialDelayMs: 1e12 }).pipe(
    Layer.provide(withOffers)
  )
  const scheduler = TaskSchedulerLive().pipe(Layer.provide(Layer.merge(withOffers, preemptor)))
  const runtime = ManagedRuntime.make(Layer.mergeAll(offers, preemptor, scheduler))
  await runtime.runPromise(
    Effect.gen(function* () {
      const om = yield* OfferManager
      for (let i = nSib + nVic; i < hosts; i++) yield* om.add(sim.offerFor(agents[i]))
    })
  )
  return { sim, runtime }
}

/** Runs `op` repeatedly inside one fiber: a warm-up, then `seconds` of measurement. */
const measure = async <A>(
  s: Setup,
  op: Effect.Effect<A, never, TaskScheduler | Preemptor | OfferManager>,
  maxOps = Number.POSITIVE_INFINITY
) =>
  s.runtime.runPromise(
    Effect.gen(function* () {
      const timed = function* (ms: number) {
        let n = 0
        const start = performance.now()
        while (performance.now() - start < ms && n < maxOps) {
          yield* op
          n++
        }
        return n / ((performance.now() - start) / 1000)
      }
      yield* timed(Math.min(1000, seconds * 300))
      return yield* timed(seconds * 1000)
    })
  )

const scheduleChunks = (ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const scheduler = yield* TaskScheduler
    for (let i = 0; i < ids.length; i += 5) yield* scheduler.schedule(ids.slice(i, i + 5))
  })

interface Result {
  readonly key: string
  readonly name: string
  readonly opsPerSec: number
  readonly unit: string
  readonly aurora: number
}
const results: Array<Result> = []
process.stdout.write(
  `settings (as Aurora's benchmarks): offers held forever, unavailability threshold 1 min, preemption delay 1 ms, ` +
    `TaskScheduler.schedule called directly in chunks of 5 (no rate limiter), ${seconds} s per scenario after a warm-up\n`
)
const report = (r: Result) => {
  results.push(r)
  process.stdout.write(
    `${r.name}: ${r.opsPerSec.toFixed(0)} ${r.unit} (Aurora ${r.aurora}, ratio ${(r.opsPerSec / r.aurora).toFixed(1)})\n`
  )
}

// 1. Fill a near-empty 100,000-host cluster, 10 new tasks per operation.
if (enabled(1)) {
  const s = await setup(100_000, 0.01, 0.01)
  const c = config({ tier: "preemptible" })
  let instance = 0
  // At most 3,000 ops (30,000 tasks) per phase, so the cluster stays mostly empty.
  const ops = await measure(
    s,
    Effect.suspend(() => scheduleChunks(Array.from({ length: 10 }, () => s.sim.addPending(c, instance++)))),
    3000
  )
  if (s.sim.pendingCount() !== 0) throw new Error(`fill: ${s.sim.pendingCount()} tasks left pending`)
  report({
    key: "fill",
    name: "fill cluster (100,000 hosts, 10 tasks/op)",
    opsPerSec: ops * 10,
    unit: "tasks/s",
    aurora: 876
  })
  await s.runtime.dispose()
}

// 2. A production task vetoed by a limit constraint (host limit 0), 1,000 hosts.
if (enabled(2)) {
  const s = await setup(1000, 0.25, 0.25)
  const id = s.sim.addPending(
    config({ tier: "preferred", constraints: [{ name: "host", constraint: { limit: { limit: 0 } } }] })
  )
  const ops = await measure(s, scheduleChunks([id]))
  if (s.sim.status(id) !== "PENDING") throw new Error("limit-vetoed task was placed")
  report({
    key: "limit",
    name: "limit constraint mismatch (1,000 hosts)",
    opsPerSec: ops,
    unit: "ops/s",
    aurora: 242
  })
  await s.runtime.dispose()
}

// 3. A production task asking for too much CPU, 1,000 hosts. Aurora's figure (2016) predates its
//    static offer bans, so the run without bans (every offer filtered every time) is shown too.
const insufficient = async (staticBans: boolean) => {
  const s = await setup(1000, 0.25, 0.25, true, staticBans)
  const id = s.sim.addPending(config({ tier: "preferred", cpus: 32 }))
  const ops = await measure(s, scheduleChunks([id]))
  if (s.sim.status(id) !== "PENDING") throw new Error("oversized task was placed")
  await s.runtime.dispose()
  return ops
}
let unbannedOps: number | undefined
if (enabled(3)) {
  report({
    key: "insufficient",
    name: "insufficient resources (1,000 hosts)",
    opsPerSec: await insufficient(true),
    unit: "ops/s",
    aurora: 3448
  })
  unbannedOps = await insufficient(false)
  process.stdout.write(
    `  (without static bans, every offer filtered each time: ${unbannedOps.toFixed(0)} ops/s, ratio ${(unbannedOps / 3448).toFixed(1)})\n`
  )
}

// 4. Preemption slot search, 10,000 hosts at 100 % use (10 % siblings, 90 % victims), 10 pending tasks.
//    Reported twice: with the storage's change counter (agent views and value index reused between
//    passes) and without it (views rebuilt and every agent scanned each pass); the first counts.
const slotSearch = async (versioned: boolean) => {
  const s = await setup(10_000, 0.1, 0.9, versioned)
  const denied = config({
    tier: "preferred",
    constraints: [{ name: "host", constraint: { value: { negated: false, values: ["denied"] } } }]
  })
  for (let i = 0; i < 10; i++) s.sim.addPending(denied, i)
  await new Promise((r) => setTimeout(r, 5))
  const ops = await measure(
    s,
    Effect.flatMap(Preemptor, (p) => p.searchSlots)
  )
  await s.runtime.dispose()
  return ops
}
let rebuildOps: number | undefined
if (enabled(4)) {
  report({
    key: "slot_search",
    name: "preemptor slot search (10,000 hosts)",
    opsPerSec: await slotSearch(true),
    unit: "ops/s",
    aurora: 40
  })
  rebuildOps = await slotSearch(false)
  process.stdout.write(
    `  (views rebuilt and all agents scanned every pass: ${rebuildOps.toFixed(0)} ops/s, ratio ${(rebuildOps / 40).toFixed(1)})\n`
  )
}

// Memory of 10,000 held offers (prepared bags, compiled hosts, indexes, order).
const gc = (globalThis as { gc?: () => void }).gc
gc?.()
const before = process.memoryUsage().heapUsed
const store = new OfferStore()
{
  const sim = new SimulatedCluster()
  for (let i = 0; i < 10_000; i++) sim.addAgent(`host-${i}`, AGENT, { rack: [`rack-${i >> 1}`] })
  const offers = sim.allOffers()
  sim.agents.clear()
  sim.hosts.clear()
  for (const o of offers) store.add(o, undefined, Number.POSITIVE_INFINITY)
}
gc?.()
const memoryMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024
process.stdout.write(`memory: ${memoryMb.toFixed(1)} MB per 10,000 hosts' offers (${store.size} held)\n`)

const ratios = results.map((r) => r.opsPerSec / r.aurora)
const min = Math.min(...ratios)
const fields: Record<string, number> = {}
for (const r of results) {
  fields[`${r.key}_ops_per_s`] = Math.round(r.opsPerSec)
  fields[`${r.key}_ratio`] = Number((r.opsPerSec / r.aurora).toFixed(2))
}
printResult(
  {
    bench: "placement",
    metric: "min ratio to Aurora over scenarios",
    value: Number(min.toFixed(2)),
    unit: "x",
    baseline: 1
  },
  {
    target: 10,
    ...fields,
    ...(unbannedOps === undefined
      ? {}
      : {
          insufficient_unbanned_ops_per_s: Math.round(unbannedOps),
          insufficient_unbanned_ratio: Number((unbannedOps / 3448).toFixed(2))
        }),
    ...(rebuildOps === undefined
      ? {}
      : {
          slot_search_rebuild_ops_per_s: Math.round(rebuildOps),
          slot_search_rebuild_ratio: Number((rebuildOps / 40).toFixed(2))
        }),
    memory_mb_per_10k_hosts: Number(memoryMb.toFixed(2))
  }
)
