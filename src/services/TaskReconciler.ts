// Reconciliation with the cluster (task-lifecycle.md §4.3): scheduled by the leader, triggered by admins.
import { Context, type Effect } from "effect"
import type { ClusterError } from "./ClusterManager.ts"

export interface TaskReconcilerShape {
  /** Every SLAVE_ASSIGNED task, in batches of `batchSize` (default the configured one) spaced by the batch interval. */
  readonly triggerExplicit: (batchSize?: number) => Effect.Effect<void, ClusterError>
  /** Asks the cluster to report every task it knows. */
  readonly triggerImplicit: Effect.Effect<void, ClusterError>
}

export class TaskReconciler extends Context.Tag("aurora/TaskReconciler")<
  TaskReconciler,
  TaskReconcilerShape
>() {}
