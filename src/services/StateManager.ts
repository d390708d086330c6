// The scheduler's StateManager (task-lifecycle.md §2): every task mutation goes through one storage
// write that runs domain lifecycle functions against a working set, logs the net change, and only then
// publishes the lifecycle events and sends the kills the transitions decided.
import { Context, type Effect, type Scope, type Stream } from "effect"
import type { LifecycleContext, LifecycleEvent, TaskWorkingSet } from "../domain/lifecycle/index.ts"
import type { Op, StoresView } from "../domain/storage/index.ts"
import type { StorageNotReady, StorageWriteFailed } from "./Storage.ts"

export interface TaskWrite<A> {
  readonly value: A
  /** Ops beyond the task changes (quota, host attributes, maintenance ...), logged before them. */
  readonly ops?: ReadonlyArray<Op>
}

export interface StateManagerShape {
  /**
   * One durable write: `fn` plans task changes in `ws` (changeState, insertPendingTasks, assignTask,
   * deleteTasks) and may add other ops. Events go out and kills are sent only after the log has the
   * transaction; a failed write publishes nothing.
   */
  readonly write: <A>(
    fn: (ws: TaskWorkingSet, ctx: LifecycleContext, stores: StoresView) => TaskWrite<A>
  ) => Effect.Effect<A, StorageNotReady | StorageWriteFailed>
  /**
   * Lifecycle events in publication order, for subscribers started before the writes they must see
   * (task scheduler, timeouts, kill retry, pruning). Scoped: the subscription ends with the scope.
   */
  readonly subscribe: Effect.Effect<Stream.Stream<LifecycleEvent>, never, Scope.Scope>
  /**
   * Posts a TaskStateChange "initialized" event (oldState undefined) for every stored task, ordered by
   * latest activity, so subscribers re-arm their timers after storage starts (api-storage-security §2.2).
   */
  readonly publishInitialized: Effect.Effect<number, StorageNotReady>
}

export class StateManager extends Context.Tag("aurora/StateManager")<StateManager, StateManagerShape>() {}
