import { Schema } from "effect"
import { Constraint } from "./constraints.ts"
import { Identity, JobKey } from "./identifiers.ts"
import { Resource } from "./resources.ts"
import { ScheduleStatus } from "./status.ts"

export const ExecutorConfig = Schema.Struct({ name: Schema.String, data: Schema.String })
export type ExecutorConfig = typeof ExecutorConfig.Type

export const Metadata = Schema.Struct({ key: Schema.String, value: Schema.String })
export type Metadata = typeof Metadata.Type

export const MesosFetcherURI = Schema.Struct({
  value: Schema.String,
  extract: Schema.optional(Schema.Boolean),
  cache: Schema.optional(Schema.Boolean)
})
export type MesosFetcherURI = typeof MesosFetcherURI.Type

export const PartitionPolicy = Schema.Struct({
  reschedule: Schema.Boolean,
  delaySecs: Schema.optional(Schema.Int.pipe(Schema.nonNegative()))
})
export type PartitionPolicy = typeof PartitionPolicy.Type

const DurationSecs = Schema.Int.pipe(Schema.nonNegative())
export const SlaPolicy = Schema.Union(
  Schema.Struct({
    percentageSlaPolicy: Schema.Struct({ percentage: Schema.Number, durationSecs: DurationSecs })
  }),
  Schema.Struct({ countSlaPolicy: Schema.Struct({ count: Schema.Int, durationSecs: DurationSecs }) }),
  Schema.Struct({
    coordinatorSlaPolicy: Schema.Struct({ coordinatorUrl: Schema.String, statusKey: Schema.String })
  })
).annotations({ identifier: "SlaPolicy" })
export type SlaPolicy = typeof SlaPolicy.Type

export const Volume = Schema.Struct({
  containerPath: Schema.String,
  hostPath: Schema.String,
  mode: Schema.Literal("RW", "RO")
})
export const DockerParameter = Schema.Struct({ name: Schema.String, value: Schema.String })
export const Image = Schema.Union(
  Schema.Struct({ docker: Schema.Struct({ name: Schema.String, tag: Schema.String }) }),
  Schema.Struct({ appc: Schema.Struct({ name: Schema.String, imageId: Schema.String }) })
)
export const Container = Schema.Union(
  Schema.Struct({
    mesos: Schema.Struct({
      image: Schema.optional(Image),
      volumes: Schema.optionalWith(Schema.Array(Volume), { default: () => [] })
    })
  }),
  Schema.Struct({
    docker: Schema.Struct({
      image: Schema.String,
      parameters: Schema.optionalWith(Schema.Array(DockerParameter), { default: () => [] })
    })
  })
).annotations({ identifier: "Container" })
export type Container = typeof Container.Type

export const TaskConfig = Schema.Struct({
  job: JobKey,
  owner: Identity,
  isService: Schema.Boolean,
  priority: Schema.Int,
  maxTaskFailures: Schema.Int.pipe(
    Schema.greaterThanOrEqualTo(-1, { message: () => "maxTaskFailures must be -1 (unlimited) or more" })
  ),
  production: Schema.optional(Schema.Boolean),
  tier: Schema.optional(Schema.String),
  resources: Schema.Array(Resource),
  constraints: Schema.Array(Constraint),
  mesosFetcherUris: Schema.optional(Schema.Array(MesosFetcherURI)),
  taskLinks: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  contactEmail: Schema.optional(Schema.String),
  executorConfig: Schema.optional(ExecutorConfig),
  metadata: Schema.optional(Schema.Array(Metadata)),
  partitionPolicy: Schema.optional(PartitionPolicy),
  slaPolicy: Schema.optional(SlaPolicy),
  container: Schema.optionalWith(Container, { default: () => ({ mesos: { volumes: [] } }) })
}).annotations({ identifier: "TaskConfig" })
export type TaskConfig = typeof TaskConfig.Type

export const CronCollisionPolicy = Schema.Literal("KILL_EXISTING", "CANCEL_NEW", "RUN_OVERLAP")
export type CronCollisionPolicy = typeof CronCollisionPolicy.Type

export const JobConfiguration = Schema.Struct({
  key: JobKey,
  owner: Identity,
  cronSchedule: Schema.optional(Schema.String),
  cronCollisionPolicy: Schema.optionalWith(CronCollisionPolicy, { default: () => "KILL_EXISTING" as const }),
  taskConfig: TaskConfig,
  instanceCount: Schema.Int
}).annotations({ identifier: "JobConfiguration" })
export type JobConfiguration = typeof JobConfiguration.Type

export const AssignedTask = Schema.Struct({
  taskId: Schema.String,
  slaveId: Schema.optional(Schema.String),
  slaveHost: Schema.optional(Schema.String),
  task: TaskConfig,
  assignedPorts: Schema.Record({ key: Schema.String, value: Schema.Int }),
  instanceId: Schema.Int.pipe(Schema.nonNegative())
}).annotations({ identifier: "AssignedTask" })
export type AssignedTask = typeof AssignedTask.Type

export const TaskEvent = Schema.Struct({
  timestamp: Schema.Number,
  status: ScheduleStatus,
  message: Schema.optional(Schema.String),
  scheduler: Schema.optional(Schema.String)
}).annotations({ identifier: "TaskEvent" })
export type TaskEvent = typeof TaskEvent.Type

export const ScheduledTask = Schema.Struct({
  assignedTask: AssignedTask,
  status: ScheduleStatus,
  failureCount: Schema.Int.pipe(Schema.nonNegative()),
  timesPartitioned: Schema.Int.pipe(Schema.nonNegative()),
  taskEvents: Schema.Array(TaskEvent),
  ancestorId: Schema.optional(Schema.String)
}).annotations({ identifier: "ScheduledTask" })
export type ScheduledTask = typeof ScheduledTask.Type

export const taskId = (t: ScheduledTask): string => t.assignedTask.taskId
export const taskJob = (t: ScheduledTask) => t.assignedTask.task.job
export const latestEvent = (t: ScheduledTask): TaskEvent | undefined => t.taskEvents[t.taskEvents.length - 1]

/** `role-env-jobname-instanceId-<uuid>`, every character outside `[A-Za-z0-9_-]` replaced by `-`. */
export const makeTaskId = (config: TaskConfig, instanceId: number, uuid: string): string =>
  `${config.job.role}-${config.job.environment}-${config.job.name}-${instanceId}-${uuid}`.replace(
    /[^A-Za-z0-9_-]/g,
    "-"
  )

export const TaskQuery = Schema.Struct({
  role: Schema.optional(Schema.String),
  environment: Schema.optional(Schema.String),
  jobName: Schema.optional(Schema.String),
  taskIds: Schema.optional(Schema.Array(Schema.String)),
  statuses: Schema.optional(Schema.Array(ScheduleStatus)),
  instanceIds: Schema.optional(Schema.Array(Schema.Int)),
  slaveHosts: Schema.optional(Schema.Array(Schema.String)),
  jobKeys: Schema.optional(Schema.Array(JobKey)),
  offset: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  limit: Schema.optional(Schema.Int.pipe(Schema.nonNegative()))
}).annotations({ identifier: "TaskQuery" })
export type TaskQuery = typeof TaskQuery.Type
