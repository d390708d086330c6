// The API is served from the moment the HTTP server is up, but the leader's services exist only while
// leading. These stand-ins delegate to the leader's services once they run and answer "Storage is not
// READY" (ERROR_TRANSIENT to API callers) before, as Aurora's standby schedulers do.
import { Context, Effect } from "effect"
import {
  MaintenanceController,
  type MaintenanceControllerShape
} from "../../services/MaintenanceController.ts"
import { StateManager, type StateManagerShape } from "../../services/StateManager.ts"
import { StorageNotReady } from "../../services/Storage.ts"
import { TaskReconciler, type TaskReconcilerShape } from "../../services/TaskReconciler.ts"
import { TaskScheduler, type TaskSchedulerShape } from "../../services/TaskScheduler.ts"

type LeaderContext = Context.Context<StateManager | TaskScheduler | MaintenanceController | TaskReconciler>

const notReady = Effect.fail(new StorageNotReady({ state: "PREPARED", message: "Storage is not READY" }))

/** Members that are Effects (rather than functions returning one), per service. */
const proxy = <S extends object>(
  current: () => S | undefined,
  functions: ReadonlyArray<keyof S>,
  effects: ReadonlyArray<keyof S>
): S => {
  const out: Record<string, unknown> = {}
  for (const name of functions)
    out[name as string] = (...args: Array<unknown>) =>
      Effect.suspend(() => {
        const s = current()
        return s === undefined
          ? notReady
          : (s[name] as (...a: Array<unknown>) => Effect.Effect<unknown>)(...args)
      })
  for (const name of effects)
    out[name as string] = Effect.suspend(() => {
      const s = current()
      return s === undefined ? notReady : (s[name] as Effect.Effect<unknown>)
    })
  return out as S
}

export interface StandbyServices {
  readonly context: LeaderContext
  /** Points the stand-ins at the leader's services (undefined: back to "not READY"). */
  readonly setLeader: (leader: LeaderContext | undefined) => void
}

export const makeStandbyServices = (): StandbyServices => {
  let leader: LeaderContext | undefined
  const get =
    <I, S>(tag: Context.Tag<I, S>) =>
    () =>
      leader === undefined ? undefined : Context.get(leader as Context.Context<I>, tag)
  const stateManager = proxy<StateManagerShape>(
    get(StateManager),
    ["write"],
    ["subscribe", "publishInitialized"]
  )
  const taskScheduler = proxy<TaskSchedulerShape>(
    get(TaskScheduler),
    [
      "taskPending",
      "tasksDeleted",
      "taskAssigned",
      "schedule",
      "pendingReason",
      "reserveForUpdate",
      "releaseUpdateReservation"
    ],
    ["groups", "reservations"]
  )
  const maintenance = proxy<MaintenanceControllerShape>(
    get(MaintenanceController),
    ["startMaintenance", "drain", "slaDrain", "endMaintenance", "status", "taskTerminated", "inverseOffer"],
    ["poll"]
  )
  const reconciler = proxy<TaskReconcilerShape>(get(TaskReconciler), ["triggerExplicit"], ["triggerImplicit"])
  return {
    context: Context.make(StateManager, stateManager).pipe(
      Context.add(TaskScheduler, taskScheduler),
      Context.add(MaintenanceController, maintenance),
      Context.add(TaskReconciler, reconciler)
    ),
    setLeader: (l) => {
      leader = l
    }
  }
}
