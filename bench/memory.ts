// npm run bench -- memory: the scheduler's storage (durable storage over the embedded one-replica
// SQLite log) with 100,000 tasks: 100 jobs x 1,000 instances of the tutorial's hello world, inserted
// through the StateManager (insertPendingTasks), a snapshot after half of them as the hourly snapshot
// would. RSS after a forced GC is measured right after the inserts, and in a fresh process after a
// restart that recovers them from the log (snapshot + replay). Target: under 500 MB RSS for both.
// Each phase runs in a child process of its own (node --expose-gc), so one does not inflate the other.
// Usage: npm run bench -- memory [--jobs=N] [--instances=N]

import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer } from "effect"
import { insertPendingTasks } from "../src/domain/lifecycle/index.ts"
import { jobKeyToString } from "../src/domain/model/index.ts"
import { SimulatedClusterManager } from "../src/layers/cluster/simulated.ts"
import { layerEmbedded } from "../src/layers/log/layers.ts"
import { makeSqliteStore } from "../src/layers/log/sqlite-store.ts"
import { StateManagerLive } from "../src/layers/scheduler/StateManagerLive.ts"
import { layerStorage } from "../src/layers/storage/durable.ts"
import { StateManager } from "../src/services/StateManager.ts"
import { Storage } from "../src/services/Storage.ts"
import { benchJob, helloWorld, memoryAfterGc } from "./_jobs.ts"
import { printResult } from "./_result.ts"

const arg = (name: string, dflt: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt)
const JOBS = arg("jobs", 100)
const INSTANCES = arg("instances", 1000)
const phase = process.argv.find((a) => a.startsWith("--phase="))?.slice(8)
const dir = process.argv.find((a) => a.startsWith("--dir="))?.slice(6)

const schedulerLayer = (path: string) => {
  const storage = layerStorage().pipe(Layer.provideMerge(layerEmbedded(path, { writeTimeoutMs: 60_000 })))
  const cluster = SimulatedClusterManager({ agents: [] })
  return StateManagerLive({ schedulerHost: "bench-scheduler" }).pipe(
    Layer.provideMerge(Layer.merge(storage, cluster))
  )
}

/** Child: inserts JOBS x INSTANCES tasks, snapshotting after half the jobs; prints its memory. */
const insert = (path: string) =>
  Effect.gen(function* () {
    const storage = yield* Storage
    const sm = yield* StateManager
    yield* storage.start
    const template = helloWorld()
    const instanceIds = Array.from({ length: INSTANCES }, (_, i) => i)
    const t0 = performance.now()
    for (let j = 0; j < JOBS; j++) {
      const job = benchJob(template, j, INSTANCES)
      const key = jobKeyToString(job.key)
      const result = yield* sm.write((ws, ctx, stores) => {
        const jobTasks = [...(stores.tasksByJob.get(key) ?? [])].map((id) => stores.tasks.get(id)!)
        return { value: insertPendingTasks(ws, job.taskConfig, instanceIds, jobTasks, ctx) }
      })
      if ("error" in result) throw new Error(`insert ${key}: ${result.error._tag}`)
      if (j === Math.floor(JOBS / 2) - 1) yield* storage.snapshot
    }
    const insertMs = performance.now() - t0
    const tasks = yield* storage.read((s) => s.tasks.size)
    if (tasks !== JOBS * INSTANCES) throw new Error(`stored ${tasks} tasks, expected ${JOBS * INSTANCES}`)
    return { tasks, insert_ms: Math.round(insertMs), ...memoryAfterGc() }
  }).pipe(Effect.provide(schedulerLayer(path)))

/** Child: recovers the store from the log as a restarted scheduler does; prints its memory. */
const recover = (path: string) =>
  Effect.gen(function* () {
    const storage = yield* Storage
    const t0 = performance.now()
    yield* storage.start
    const recoverMs = performance.now() - t0
    const tasks = yield* storage.read((s) => s.tasks.size)
    if (tasks !== JOBS * INSTANCES) throw new Error(`recovered ${tasks} tasks, expected ${JOBS * INSTANCES}`)
    return { tasks, recover_ms: Math.round(recoverMs), ...memoryAfterGc() }
  }).pipe(Effect.provide(schedulerLayer(path)))

const runChild = (which: string, path: string): Record<string, number> => {
  const r = spawnSync(
    process.execPath,
    [
      "--expose-gc",
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      `--phase=${which}`,
      `--dir=${path}`,
      `--jobs=${JOBS}`,
      `--instances=${INSTANCES}`
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }
  )
  if (r.status !== 0) throw new Error(`${which} phase exited with ${r.status ?? r.signal}`)
  const lines = r.stdout.trim().split("\n")
  return JSON.parse(lines[lines.length - 1])
}

if (phase !== undefined && dir !== undefined) {
  const result: object = await Effect.runPromise<object, unknown>(
    phase === "insert" ? insert(dir) : recover(dir)
  )
  process.stdout.write(`${JSON.stringify(result)}\n`)
} else {
  const root = mkdtempSync(join(tmpdir(), "bench-memory-"))
  try {
    await Effect.runPromise(Effect.scoped(Effect.flatMap(makeSqliteStore(root), (s) => s.initialize)))
    const inserted = runChild("insert", root)
    console.log(JSON.stringify({ phase: "after inserts", ...inserted }))
    const recovered = runChild("recover", root)
    console.log(JSON.stringify({ phase: "after restart (snapshot + replay)", ...recovered }))
    const value = Math.max(inserted.rss_mb, recovered.rss_mb)
    printResult(
      { bench: "memory", metric: "rss_mb_with_100k_tasks_after_gc", value, unit: "MB", baseline: 500 },
      {
        better: "lower",
        tasks: JOBS * INSTANCES,
        jobs: JOBS,
        instances_per_job: INSTANCES,
        rss_after_inserts_mb: inserted.rss_mb,
        rss_after_recovery_mb: recovered.rss_mb,
        heap_after_inserts_mb: inserted.heap_used_mb,
        heap_after_recovery_mb: recovered.heap_used_mb,
        insert_ms: inserted.insert_ms,
        recover_ms: recovered.recover_ms
      }
    )
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
