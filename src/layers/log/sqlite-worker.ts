// Runs a replica's SQLite store on a worker thread, so a disk sync does not stop the member's event
// loop: messages keep arriving (and batching up) while the previous batch is being synced.
import { parentPort, workerData } from "node:worker_threads"
import { Effect, Exit } from "effect"
import type { Durable } from "../../domain/paxos/index.ts"
import { makeSqliteStore } from "./sqlite-store.ts"
import type { Bytes } from "./store.ts"

type Request =
  | { readonly id: number; readonly op: "load" }
  | { readonly id: number; readonly op: "persist"; readonly records: ReadonlyArray<Durable<Bytes>> }

const port = parentPort!
Effect.runFork(
  Effect.scoped(
    Effect.gen(function* () {
      const store = yield* makeSqliteStore((workerData as { dir: string }).dir)
      yield* Effect.async<never>(() => {
        // Requests run strictly in arrival order: persists must reach the disk in batch order.
        let chain: Promise<unknown> = Promise.resolve()
        port.on("message", (req: Request) => {
          chain = chain.then(async () => {
            const exit = await Effect.runPromiseExit(
              req.op === "load" ? store.load : store.persist(req.records)
            )
            if (Exit.isSuccess(exit)) port.postMessage({ id: req.id, ok: true, value: exit.value })
            else port.postMessage({ id: req.id, ok: false, error: String(exit.cause) })
          })
        })
        port.postMessage({ id: 0, ok: true, value: "ready" })
      })
    })
  ).pipe(Effect.catchAll((e) => Effect.sync(() => port.postMessage({ id: 0, ok: false, error: e.message }))))
)
