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
      const post = (msg: Record<string, unknown>, done: (r: Reply) => void) => {
        const id = ++next
        pending.set(id, done)
        worker.postMessage({ ...msg, id })
      }
      const failure = (r: Reply) => new LogStorageFailed({ message: r.error ?? "failed" })
      const persistNow = (records: ReadonlyArray<Durable<Bytes>>, done: (e?: LogStorageFailed) => void) => {
        if (records.length === 0) return done()
        post({ op: "persist", records }, (r) => done(r.ok ? undefined : failure(r)))
      }
      return {
        ordered: true,
        load: Effect.async<ReplicaState<Bytes>, LogStorageFailed>((resume) =>
          post({ op: "load" }, (r) =>
            resume(r.ok ? Effect.succeed(r.value as ReplicaState<Bytes>) : Effect.fail(failure(r)))
          )
        ),
        persist: (records: ReadonlyArray<Durable<Bytes>>) =>
          Effect.async<void, LogStorageFailed>((resume) =>
            persistNow(records, (e) => resume(e ? Effect.fail(e) : Effect.void))
          ),
        persistNow
      }
    })
  )
