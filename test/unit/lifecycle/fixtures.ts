import { DEFAULT_LIFECYCLE_SETTINGS, type LifecycleContext } from "../../../src/domain/lifecycle/index.ts"
import type { ScheduledTask, ScheduleStatus, TaskConfig, TaskEvent } from "../../../src/domain/model/index.ts"

export const config = (overrides: Partial<TaskConfig> = {}): TaskConfig => ({
  job: { role: "www-data", environment: "prod", name: "hello" },
  owner: { user: "www-data" },
  isService: false,
  priority: 0,
  maxTaskFailures: 1,
  resources: [{ numCpus: 1 }, { ramMb: 64 }, { diskMb: 64 }],
  constraints: [],
  container: { mesos: { volumes: [] } },
  ...overrides
})

export const task = (
  status: ScheduleStatus,
  overrides: Partial<ScheduledTask> = {},
  configOverrides: Partial<TaskConfig> = {}
): ScheduledTask => ({
  assignedTask: { taskId: "t0", task: config(configOverrides), assignedPorts: {}, instanceId: 0 },
  status,
  failureCount: 0,
  timesPartitioned: 0,
  taskEvents: [{ timestamp: 0, status }],
  ...overrides
})

export const events = (
  ...pairs: ReadonlyArray<readonly [ScheduleStatus, number]>
): ReadonlyArray<TaskEvent> => pairs.map(([status, timestamp]) => ({ timestamp, status }))

/** A context with a deterministic id sequence and a fixed random draw. */
export const context = (now = 1_000_000, random = () => 0.5): LifecycleContext => {
  let next = 0
  return {
    now,
    schedulerHost: "scheduler-host",
    settings: DEFAULT_LIFECYCLE_SETTINGS,
    random,
    newTaskId: (c, instanceId) => `${c.job.name}-${instanceId}-${++next}`
  }
}
