import { ACTIVE_STATES, type ScheduleStatus } from "../model/status.ts"
import type { ScheduledTask, TaskConfig, TaskEvent } from "../model/task.ts"
import { flappingPenaltyMs } from "./flapping.ts"
import type { LifecycleSettings } from "./settings.ts"
import { evaluateTransition, type TransitionResult } from "./transitions.ts"
import type { LifecycleEvent, TaskWorkingSet } from "./workingSet.ts"

export type StateChangeResult = TransitionResult | "INVALID_CAS_STATE"

/** Time, identity and randomness for one write: everything the lifecycle may not invent itself. */
export interface LifecycleContext {
  readonly now: number
  readonly schedulerHost: string
  readonly settings: LifecycleSettings
  readonly random: () => number
  readonly newTaskId: (config: TaskConfig, instanceId: number) => string
}

export const PARTITIONED_LOST_MESSAGE = "Action performed on partitioned task, marking as LOST."

const appendEvent = (
  task: ScheduledTask,
  status: ScheduleStatus,
  message: string | undefined,
  ctx: LifecycleContext
) => {
  let events = task.taskEvents
  // §2.5: RUNNING, PARTITIONED, RUNNING, PARTITIONED collapses to one RUNNING, PARTITIONED pair.
  const n = events.length
  if (
    status === "PARTITIONED" &&
    n >= 3 &&
    events[n - 2].status === "PARTITIONED" &&
    events[n - 3].status === events[n - 1].status
  ) {
    events = events.slice(0, n - 2)
  }
  const event: TaskEvent = {
    timestamp: ctx.now,
    status,
    ...(message === undefined ? {} : { message }),
    scheduler: ctx.schedulerHost
  }
  return [...events, event]
}

const reschedule = (ws: TaskWorkingSet, old: ScheduledTask, ctx: LifecycleContext): void => {
  const { instanceId, task: config } = old.assignedTask
  const replacement: ScheduledTask = {
    assignedTask: { taskId: ctx.newTaskId(config, instanceId), task: config, assignedPorts: {}, instanceId },
    status: "INIT",
    failureCount: old.failureCount,
    timesPartitioned: 0,
    taskEvents: [],
    ancestorId: old.assignedTask.taskId
  }
  ws.put(replacement)
  // The one-generation lag of §3.2: the penalty is computed from the *old* task.
  const penalty = flappingPenaltyMs(old, ws.get, ctx.settings, ctx.random)
  const id = replacement.assignedTask.taskId
  if (penalty > 0)
    changeState(ws, id, "THROTTLED", ctx, {
      message: `Rescheduled, penalized for ${penalty} ms for flapping`
    })
  else changeState(ws, id, "PENDING", ctx, { message: "Rescheduled" })
}

/**
 * StateManager.changeState (task-lifecycle.md §2.1-2.2): evaluates the transition and runs its side
 * effects against the working set, nested transitions included.
 */
export const changeState = (
  ws: TaskWorkingSet,
  taskId: string,
  target: ScheduleStatus,
  ctx: LifecycleContext,
  options: { readonly casState?: ScheduleStatus; readonly message?: string } = {}
): StateChangeResult => {
  const initial = ws.get(taskId)
  if (options.casState !== undefined && initial?.status !== options.casState) return "INVALID_CAS_STATE"
  const transition = evaluateTransition(initial, target)
  if (transition.result === "ILLEGAL" || transition.result === "ILLEGAL_WITH_SIDE_EFFECTS")
    ws.illegalTransitions++
  const queued: Array<LifecycleEvent> = []
  for (const effect of transition.sideEffects) {
    const task = ws.get(taskId)
    switch (effect) {
      case "INCREMENT_FAILURES":
        if (task) ws.put({ ...task, failureCount: task.failureCount + 1 })
        break
      case "SAVE_STATE":
        if (task) {
          const saved: ScheduledTask = {
            ...task,
            status: target,
            timesPartitioned: task.timesPartitioned + (target === "PARTITIONED" ? 1 : 0),
            taskEvents: appendEvent(task, target, options.message, ctx)
          }
          ws.put(saved)
          queued.push({ _tag: "TaskStateChange", task: saved, oldState: initial?.status })
        }
        break
      case "RESCHEDULE":
        if (task) reschedule(ws, task, ctx)
        break
      case "TRANSITION_TO_LOST":
        changeState(ws, taskId, "LOST", ctx, { message: PARTITIONED_LOST_MESSAGE })
        break
      case "KILL":
        ws.kills.push(taskId)
        break
      case "DELETE":
        if (task) {
          ws.remove(taskId)
          queued.push({ _tag: "TasksDeleted", tasks: [task] })
        }
        break
    }
  }
  ws.events.push(...queued)
  return transition.result
}

export type InsertError =
  | { readonly _tag: "EmptyInstanceSet" }
  | { readonly _tag: "InstanceIdCollision"; readonly instanceIds: ReadonlyArray<number> }

/**
 * insertPendingTasks: new INIT tasks moved straight to PENDING (never THROTTLED), failure count 0.
 * `jobTasks` are the job's tasks already in the store, to refuse instance id collisions.
 */
export const insertPendingTasks = (
  ws: TaskWorkingSet,
  config: TaskConfig,
  instanceIds: ReadonlyArray<number>,
  jobTasks: Iterable<ScheduledTask>,
  ctx: LifecycleContext
): { readonly taskIds: ReadonlyArray<string> } | { readonly error: InsertError } => {
  if (instanceIds.length === 0) return { error: { _tag: "EmptyInstanceSet" } }
  const active = new Set<number>()
  for (const t of jobTasks) if (ACTIVE_STATES.has(t.status)) active.add(t.assignedTask.instanceId)
  const collisions = instanceIds.filter((i) => active.has(i))
  if (collisions.length > 0) return { error: { _tag: "InstanceIdCollision", instanceIds: collisions } }
  const taskIds = instanceIds.map((instanceId) => {
    const taskId = ctx.newTaskId(config, instanceId)
    ws.put({
      assignedTask: { taskId, task: config, assignedPorts: {}, instanceId },
      status: "INIT",
      failureCount: 0,
      timesPartitioned: 0,
      taskEvents: []
    })
    changeState(ws, taskId, "PENDING", ctx)
    return taskId
  })
  return { taskIds }
}

/** assignTask: records the placement, then PENDING -> ASSIGNED, which must succeed. */
export const assignTask = (
  ws: TaskWorkingSet,
  taskId: string,
  placement: {
    readonly host: string
    readonly agentId: string
    readonly ports: Readonly<Record<string, number>>
  },
  ctx: LifecycleContext
): StateChangeResult => {
  const task = ws.get(taskId)
  if (task?.status !== "PENDING") return "INVALID_CAS_STATE"
  ws.put({
    ...task,
    assignedTask: {
      ...task.assignedTask,
      slaveHost: placement.host,
      slaveId: placement.agentId,
      assignedPorts: placement.ports
    }
  })
  return changeState(ws, taskId, "ASSIGNED", ctx, { casState: "PENDING" })
}

/** StateManager.deleteTasks: removes tasks directly, with no state machine (pruning, admin prune). */
export const deleteTasks = (ws: TaskWorkingSet, taskIds: ReadonlyArray<string>): void => {
  const tasks = taskIds.flatMap((id) => {
    const t = ws.get(id)
    return t ? [t] : []
  })
  for (const t of tasks) ws.remove(t.assignedTask.taskId)
  if (tasks.length > 0) ws.events.push({ _tag: "TasksDeleted", tasks })
}
