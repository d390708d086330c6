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
        // Requests run in arrival order; persists waiting together share one transaction (one disk
        // sync), which is what lets many pipelined batches ride on a single sync.
        const queue: Array<Request> = []
        let busy = false
        const reply = (id: number, exit: Exit.Exit<unknown, { message: string }>) =>
          port.postMessage(
            Exit.isSuccess(exit)
              ? { id, ok: true, value: exit.value }
              : { id, ok: false, error: String(exit.cause) }
          )
        const drain = async () => {
          busy = true
          while (queue.length > 0) {
            // Let messages that arrived during the last sync join this round.
            await new Promise((resolve) => setImmediate(resolve))
            const round = queue.splice(0)
            for (let i = 0; i < round.length; ) {
              const req = round[i]
              if (req.op === "load") {
                reply(req.id, await Effect.runPromiseExit(store.load))
                i++
                continue
              }
              const group: Array<Extract<Request, { op: "persist" }>> = []
              while (i < round.length && round[i].op === "persist")
                group.push(round[i++] as Extract<Request, { op: "persist" }>)
              const exit = await Effect.runPromiseExit(store.persist(group.flatMap((g) => g.records)))
              for (const g of group) reply(g.id, exit)
            }
          }
          busy = false
        }
        port.on("message", (req: Request) => {
          queue.push(req)
          if (!busy) void drain()
        })
        port.postMessage({ id: 0, ok: true, value: "ready" })
      })
    })
  ).pipe(Effect.catchAll((e) => Effect.sync(() => port.postMessage({ id: 0, ok: false, error: e.message }))))
)
