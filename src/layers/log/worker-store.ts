// A ReplicaStore whose SQLite file lives on a worker thread (see sqlite-worker.ts). Same records,
// same file format as makeSqliteStore; persists complete in the order they were issued.

import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import { Worker } from "node:worker_threads"
import { Effect, type Scope } from "effect"
import type { Durable, ReplicaState } from "../../domain/paxos/index.ts"
import { LogStorageFailed } from "../../services/ReplicatedLog.ts"
import { sourcePath } from "../../sourcePath.ts"
import type { Bytes, ReplicaStore } from "./store.ts"

// require.resolve finds the CommonJS build; the worker imports its ES module twin beside it.
const TSX_API = pathToFileURL(
  createRequire(import.meta.url)
    .resolve("tsx/esm/api")
    .replace(/index\.cjs$/, "index.mjs")
).href
const BOOTSTRAP = `const { workerData } = require("node:worker_threads")
import(workerData.tsxApi).then((tsx) => { tsx.register(); return import(workerData.entry) })`

type Reply = { readonly id: number; readonly ok: boolean; readonly value?: unknown; readonly error?: string }

export const makeWorkerStore = (dir: string): Effect.Effect<ReplicaStore, LogStorageFailed, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ worker: Worker; pending: Map<number, (r: Reply) => void> }, LogStorageFailed>((resume) => {
      // The worker runs TypeScript, so it registers tsx before importing its entry.
      const worker = new Worker(BOOTSTRAP, {
        eval: true,
        workerData: {
          dir,
          tsxApi: TSX_API,
          entry: pathToFileURL(sourcePath("layers/log/sqlite-worker.ts")).href
        }
      })
      const pending = new Map<number, (r: Reply) => void>()
      let started = false
      worker.on("message", (r: Reply) => {
        if (r.id === 0 && !started) {
          started = true
          resume(
            r.ok
              ? Effect.succeed({ worker, pending })
              : Effect.fail(new LogStorageFailed({ message: r.error ?? "replica store failed to open" }))
          )
          return
        }
        pending.get(r.id)?.(r)
        pending.delete(r.id)
      })
      worker.on("error", (e) => {
        const reply = { id: -1, ok: false, error: `replica store thread failed: ${e.message}` }
        for (const p of pending.values()) p(reply)
        pending.clear()
        if (!started) {
          started = true
          resume(Effect.fail(new LogStorageFailed({ message: reply.error })))
        }
      })
    }),
    ({ worker }) => Effect.promise(() => worker.terminate())
  ).pipe(
    Effect.map(({ worker, pending }) => {
      let next = 0
      const call = <A>(msg: Record<string, unknown>) =>
        Effect.async<A, LogStorageFailed>((resume) => {
          const id = ++next
          pending.set(id, (r) =>
            resume(
              r.ok
                ? Effect.succeed(r.value as A)
                : Effect.fail(new LogStorageFailed({ message: r.error ?? "failed" }))
            )
          )
          worker.postMessage({ ...msg, id })
        })
      return {
        ordered: true,
        load: call<ReplicaState<Bytes>>({ op: "load" }),
        persist: (records: ReadonlyArray<Durable<Bytes>>) =>
          records.length === 0 ? Effect.void : call<void>({ op: "persist", records })
      }
    })
  )
