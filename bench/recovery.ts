// npm run bench -- recovery: time to recover a store of 100,000 tasks from a snapshot plus 10,000
// transactions in the embedded (SQLite) log: open the replica, append the recovery noop, read,
// inflate, decode and replay. Target: under 2 s.

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { buildSnapshot, emptyStores, saveTask } from "../src/domain/storage/index.ts"
import { layerEmbedded } from "../src/layers/log/layers.ts"
import { makeSqliteStore } from "../src/layers/log/sqlite-store.ts"
import { encodeSnapshot, encodeTransaction } from "../src/layers/storage/codec.ts"
import { makeDurableStorage } from "../src/layers/storage/durable.ts"
import { ReplicatedLog } from "../src/services/ReplicatedLog.ts"
import { makeTask, taskConfig } from "../test/unit/storage/fixtures.ts"
import { printResult } from "./_result.ts"

const TASKS = Number(process.env.RECOVERY_TASKS ?? 100_000)
const TRANSACTIONS = Number(process.env.RECOVERY_TRANSACTIONS ?? 10_000)
const dir = mkdtempSync(join(tmpdir(), "bench-recovery-"))

try {
  // Build the log: one snapshot of TASKS tasks (100 jobs), then TRANSACTIONS task updates.
  const configs = Array.from({ length: 100 }, (_, j) => taskConfig(j))
  const stores = emptyStores()
  for (let i = 0; i < TASKS; i++) saveTask(stores, makeTask(i, configs[i % 100]))
  const snapshotEntries = encodeSnapshot(buildSnapshot(stores, Date.now()))
  const txs: Array<Uint8Array> = []
  for (let i = 0; i < TRANSACTIONS; i++) {
    const t = makeTask(
      (i * 7919) % TASKS,
      configs[((i * 7919) % TASKS) % 100],
      i % 2 === 0 ? "KILLING" : "FINISHED"
    )
    txs.push(encodeTransaction([{ _tag: "SaveTasks", tasks: [t] }]))
  }
  await Effect.runPromise(
    Effect.gen(function* () {
      yield* Effect.scoped(Effect.flatMap(makeSqliteStore(dir), (s) => s.initialize))
      yield* Effect.scoped(
        Effect.gen(function* () {
          const log = yield* ReplicatedLog
          yield* log.append(snapshotEntries)
          for (let i = 0; i < txs.length; i += 200) yield* log.append(txs.slice(i, i + 200))
        }).pipe(Effect.provide(layerEmbedded(dir, { writeTimeoutMs: 60_000 })))
      )
    })
  )
  const snapshotBytes = snapshotEntries.reduce((n, e) => n + e.length, 0)

  // Recover from scratch, as a new leader would.
  globalThis.gc?.()
  const t0 = performance.now()
  const result = await Effect.runPromise(
    Effect.gen(function* () {
      const log = yield* ReplicatedLog
      const opened = performance.now()
      const storage = yield* makeDurableStorage(log)
      yield* storage.start
      const tasks = yield* storage.read((s) => s.tasks.size)
      const killing = yield* storage.read(
        (s) => [...s.tasks.values()].filter((t) => t.status !== "RUNNING").length
      )
      return { opened, tasks, killing }
    }).pipe(Effect.provide(layerEmbedded(dir)))
  )
  const total = performance.now() - t0
  if (result.tasks !== TASKS) throw new Error(`recovered ${result.tasks} tasks, expected ${TASKS}`)
  if (result.killing === 0) throw new Error("the transactions after the snapshot were not replayed")
  console.log(
    JSON.stringify({
      tasks: TASKS,
      transactions: TRANSACTIONS,
      snapshot_entries: snapshotEntries.length,
      snapshot_bytes_deflated: snapshotBytes,
      open_replica_ms: Math.round(result.opened - t0),
      replay_ms: Math.round(total - (result.opened - t0))
    })
  )
  printResult({
    bench: "recovery",
    metric: "recover_100k_tasks_plus_10k_transactions",
    value: Math.round(total),
    unit: "ms",
    baseline: 2000
  })
} finally {
  rmSync(dir, { recursive: true, force: true })
}
