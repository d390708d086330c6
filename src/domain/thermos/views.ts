import { type ProcessRun, type RunnerState, TERMINAL_TASK } from "./checkpoint.ts"

/** Observer views of a task and its process runs (executor.md §9). */
export interface ResourceUse {
  readonly cpu: number
  readonly ram: number
  readonly user: number
  readonly system: number
  readonly rss: number
  readonly vms: number
  readonly threads: number
  readonly nice?: number
  readonly status?: string
}

export interface ProcessRunView {
  readonly process_name: string
  readonly process_run: number
  readonly state: string
  readonly start_time?: number
  readonly stop_time?: number
  readonly return_code?: number
  readonly used?: ResourceUse
}

export const processRunView = (run: ProcessRun, used?: ResourceUse): ProcessRunView => ({
  process_name: run.process,
  process_run: run.run,
  state: run.state,
  ...(run.start_time ? { start_time: run.start_time } : {}),
  ...(run.stop_time ? { stop_time: run.stop_time } : {}),
  ...(run.return_code ? { return_code: run.return_code } : {}),
  ...(run.state === "RUNNING" && used !== undefined ? { used } : {})
})

export interface TaskView {
  readonly task_id: string
  readonly name: string
  readonly user: string
  readonly ports: Readonly<Record<string, number>>
  readonly launch_timestamp?: number
  readonly state: string
  readonly state_timestamp?: number
  readonly sandbox?: string
  readonly processes: {
    readonly waiting: ReadonlyArray<string>
    readonly running: ReadonlyArray<string>
    readonly success: ReadonlyArray<string>
    readonly failed: ReadonlyArray<string>
    readonly killed: ReadonlyArray<string>
  }
}

const BUCKET: Record<string, keyof TaskView["processes"]> = {
  WAITING: "waiting",
  LOST: "waiting",
  FORKED: "running",
  RUNNING: "running",
  SUCCESS: "success",
  FAILED: "failed",
  KILLED: "killed"
}

/** Task view; `processNames` lists every process of the task (those never run count as waiting). */
export const taskView = (
  taskId: string,
  name: string,
  processNames: ReadonlyArray<string>,
  s: RunnerState
): TaskView => {
  const buckets: Record<keyof TaskView["processes"], Array<string>> = {
    waiting: [],
    running: [],
    success: [],
    failed: [],
    killed: []
  }
  for (const p of processNames) {
    const runs = s.processes[p] ?? []
    const last = runs[runs.length - 1]
    buckets[last === undefined ? "waiting" : BUCKET[last.state]].push(p)
  }
  const st = s.statuses
  const current = st[st.length - 1]
  let since = current
  for (let i = st.length - 1; i >= 0 && st[i].state === current?.state; i--) since = st[i]
  return {
    task_id: taskId,
    name,
    user: s.header?.user ?? "",
    ports: s.header?.ports ?? {},
    ...(st.length > 0 ? { launch_timestamp: Math.floor(st[0].timestamp_ms / 1000) } : {}),
    state: current?.state ?? "UNKNOWN",
    ...(since !== undefined ? { state_timestamp: Math.floor(since.timestamp_ms / 1000) } : {}),
    ...(s.header?.sandbox !== undefined ? { sandbox: s.header.sandbox } : {}),
    processes: buckets
  }
}

export const isFinishedState = (s: RunnerState): boolean => {
  const last = s.statuses[s.statuses.length - 1]
  return last !== undefined && TERMINAL_TASK.has(last.state)
}
