/** One LAUNCH on the local agent: the task's record, its checks, and its executor process. */
import { randomUUID } from "node:crypto"
import { join } from "node:path"
import type { MesosTaskInfo } from "../mesosJson.ts"
import { executorDir, startExecutor } from "./executors.ts"
import { type Budget, takeFromBudget, taskNeeds } from "./resources.ts"
import { isLive, type TaskRecord } from "./state.ts"

/** A STAGING record with a fresh run directory under the Mesos-like layout. */
export const newRecord = (
  info: MesosTaskInfo,
  workDir: string,
  agentId: string,
  frameworkId: string
): TaskRecord => {
  const taskId = info.task_id?.value ?? ""
  const executorId = info.executor?.executor_id?.value ?? `thermos-${taskId}`
  return {
    taskId,
    frameworkId,
    executorId,
    runDir: join(executorDir(workDir, agentId, frameworkId, executorId), "runs", randomUUID()),
    resources: taskNeeds(info),
    state: "TASK_STAGING",
    timestamp: Date.now(),
    consumed: 0,
    pending: []
  }
}

/** Why the task cannot start (and the budget is left alone), or undefined (the budget pays for it). */
export const launchProblem = (
  info: MesosTaskInfo,
  record: TaskRecord,
  tasks: ReadonlyArray<TaskRecord>,
  budget: Budget
): string | undefined =>
  record.taskId === ""
    ? "Task has no task_id"
    : tasks.some((t) => t.taskId === record.taskId && isLive(t))
      ? `Task ${record.taskId} is already running`
      : info.data === undefined && info.executor?.data === undefined
        ? "Task has no data for the Thermos executor"
        : takeFromBudget(budget, record.resources)

/** Starts the TaskInfo's executor command (the agent's own when it has none) with the decoded `data`. */
export const runExecutor = (
  record: TaskRecord,
  info: MesosTaskInfo,
  fallbackCommand: string,
  hostname: string,
  agentId: string,
  onExit: () => void
): void => {
  let launch: unknown
  try {
    launch = JSON.parse(Buffer.from(info.data ?? info.executor?.data ?? "", "base64").toString("utf8"))
  } catch {
    // The executor reports a task it cannot decode as failed, with the reason.
    launch = {}
  }
  const started = startExecutor(
    info.executor?.command?.value ?? fallbackCommand,
    record.runDir,
    launch,
    hostname,
    {
      MESOS_FRAMEWORK_ID: record.frameworkId,
      MESOS_EXECUTOR_ID: record.executorId,
      MESOS_SLAVE_ID: agentId,
      MESOS_AGENT_ID: agentId
    }
  )
  record.pid = started.pid
  void started.exited.then(onExit)
}
