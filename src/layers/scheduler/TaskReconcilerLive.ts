// Reconciliation with the cluster (task-lifecycle.md §4.3): explicit (every SLAVE_ASSIGNED task, in
// spaced batches) and implicit (the cluster reports all it knows), each on a fixed-rate schedule.
import { Clock, Effect, Layer, Schedule, Schema } from "effect"
import {
  explicitReconciliationBatches,
  type ReconciliationSettings,
  reconciliationSchedule
} from "../../domain/lifecycle/index.ts"
import { SLAVE_ASSIGNED_STATES } from "../../domain/model/index.ts"
import { ClusterManager, type ReconcileTask } from "../../services/ClusterManager.ts"
import { Storage } from "../../services/Storage.ts"
import { TaskReconciler, type TaskReconcilerShape } from "../../services/TaskReconciler.ts"
import { bump, reconciliationExplicitRuns, reconciliationImplicitRuns } from "./metrics.ts"

export class ReconciliationSettingsInvalid extends Schema.TaggedError<ReconciliationSettingsInvalid>()(
  "ReconciliationSettingsInvalid",
  { message: Schema.String }
) {}

export const makeTaskReconciler = (settings: ReconciliationSettings) =>
  Effect.gen(function* () {
    const checked = reconciliationSchedule(settings)
    if ("error" in checked) return yield* new ReconciliationSettingsInvalid({ message: checked.error })
    const plan = checked.schedule
    const storage = yield* Storage
    const cluster = yield* ClusterManager
    const scope = yield* Effect.scope

    const assigned = storage
      .read((s) => {
        const out: Array<ReconcileTask> = []
        for (const t of s.tasks.values())
          if (SLAVE_ASSIGNED_STATES.has(t.status)) {
            const agentId = t.assignedTask.slaveId
            out.push(
              agentId === undefined
                ? { taskId: t.assignedTask.taskId }
                : { taskId: t.assignedTask.taskId, agentId }
            )
          }
        return out.sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0))
      })
      .pipe(Effect.catchAll(() => Effect.succeed([] as Array<ReconcileTask>)))

    const triggerExplicit: TaskReconcilerShape["triggerExplicit"] = (batchSize) =>
      Effect.gen(function* () {
        const tasks = yield* assigned
        const batches = explicitReconciliationBatches(
          tasks,
          batchSize ?? settings.explicitBatchSize,
          plan.batchIntervalMs
        )
        bump(reconciliationExplicitRuns)
        const [first, ...rest] = batches
        if (first !== undefined) yield* cluster.reconcile(first.tasks)
        // Later batches go out in the background, each `i x batch interval` after the first.
        if (rest.length > 0) {
          const start = yield* Clock.currentTimeMillis
          yield* Effect.forkIn(
            Effect.forEach(
              rest,
              (b) =>
                Effect.flatMap(Clock.currentTimeMillis, (now) =>
                  Effect.sleep(Math.max(0, start + b.delayMs - now)).pipe(
                    Effect.zipRight(cluster.reconcile(b.tasks)),
                    Effect.catchAll((e) =>
                      Effect.logWarning(`explicit reconciliation batch failed: ${e._tag}`)
                    )
                  )
                ),
              { discard: true }
            ),
            scope
          )
        }
      })

    const triggerImplicit: TaskReconcilerShape["triggerImplicit"] = Effect.suspend(() => {
      bump(reconciliationImplicitRuns)
      return cluster.reconcile([])
    })

    const logged = (name: string, e: Effect.Effect<void, { readonly _tag: string }>) =>
      Effect.catchAll(e, (err) => Effect.logWarning(`${name} reconciliation failed: ${err._tag}`))

    // Fixed rate: the first run after its delay, then every interval.
    const every = (firstMs: number, everyMs: number, run: Effect.Effect<void>) =>
      Effect.sleep(firstMs).pipe(
        Effect.zipRight(everyMs > 0 ? Effect.repeat(run, Schedule.fixed(everyMs)) : run)
      )
    yield* Effect.forkScoped(
      every(plan.explicitFirstMs, plan.explicitEveryMs, logged("explicit", triggerExplicit()))
    )
    yield* Effect.forkScoped(
      every(plan.implicitFirstMs, plan.implicitEveryMs, logged("implicit", triggerImplicit))
    )

    return { triggerExplicit, triggerImplicit } satisfies TaskReconcilerShape
  })

/** The reconciler with its schedules; needs Storage and ClusterManager. */
export const TaskReconcilerLive = (settings: ReconciliationSettings) =>
  Layer.scoped(TaskReconciler, makeTaskReconciler(settings))
