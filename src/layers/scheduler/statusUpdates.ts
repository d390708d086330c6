// Status update ingestion (task-lifecycle.md §5): updates are drained in batches of up to
// -max_status_update_batch_size, applied in ONE StateManager write, and only then acknowledged.
import { Effect, Queue } from "effect"
import {
  changeState,
  type StateChangeResult,
  scheduleStatusFromMesos,
  statusUpdateMessage
} from "../../domain/lifecycle/index.ts"
import { ClusterManager, type TaskStatusUpdate } from "../../services/ClusterManager.ts"
import { SchedulerLifecycle } from "../../services/SchedulerLifecycle.ts"
import { StateManager } from "../../services/StateManager.ts"
import { bump, statusUpdateCounter } from "./metrics.ts"

type Outcome = StateChangeResult | { readonly unknownState: string }

/** Applies one batch; acknowledges every update (whatever its result) once the write is durable. */
export const applyStatusBatch = (batch: ReadonlyArray<TaskStatusUpdate>) =>
  Effect.gen(function* () {
    const stateManager = yield* StateManager
    const cluster = yield* ClusterManager
    const outcomes = yield* stateManager.write((ws, ctx) => ({
      value: batch.map((u): Outcome => {
        const mapped = scheduleStatusFromMesos(u.state)
        if ("error" in mapped) return { unknownState: mapped.error }
        const message = statusUpdateMessage(u.message, u.reason)
        return changeState(ws, u.taskId, mapped.status, ctx, message === undefined ? {} : { message })
      })
    }))
    for (let i = 0; i < batch.length; i++) {
      const u = batch[i]
      const o = outcomes[i]
      if (typeof o !== "string") {
        yield* Effect.logWarning(`status update for ${u.taskId} ignored: ${o.unknownState}`)
        continue
      }
      if (u.reason !== undefined && u.reason !== "") bump(statusUpdateCounter(u.reason, o))
    }
    yield* Effect.forEach(
      batch,
      (u) =>
        cluster
          .acknowledge(u)
          .pipe(Effect.catchAll((e) => Effect.logWarning(`acknowledging ${u.taskId} failed: ${e._tag}`))),
      { discard: true }
    )
  })

/**
 * The single status handler: drains `queue` batch by batch. A failed write acknowledges nothing (the
 * cluster redelivers); a log failure also asks the lifecycle to shut down.
 */
export const runStatusHandler = (queue: Queue.Dequeue<TaskStatusUpdate>, maxBatch: number) =>
  Effect.gen(function* () {
    const lifecycle = yield* SchedulerLifecycle
    return yield* Effect.forever(
      Effect.flatMap(Queue.takeBetween(queue, 1, Math.max(1, maxBatch)), (chunk) =>
        applyStatusBatch([...chunk]).pipe(
          Effect.catchAll((e) =>
            Effect.gen(function* () {
              yield* Effect.logError(`status update batch of ${chunk.length} not applied: ${e.message}`)
              if (e._tag === "StorageWriteFailed") yield* lifecycle.shutdown(e.message)
            })
          )
        )
      )
    )
  })
