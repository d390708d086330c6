// The scheduler API (api-storage-security.md §1) as one @effect/rpc group, shared by the scheduler
// (handlers in src/layers/api) and every client (aurora, aurora-admin, other Effect services).
// Every RPC answers Aurora's Response envelope; its `result` carries the named result of the spec.
// Payloads take the wire (encoded) shape of the domain schemas without their refinements, so a
// malformed job key or config reaches the handler and is answered INVALID_REQUEST with a message
// naming the field, as Aurora does, instead of failing inside the transport.
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import {
  HostStatus,
  JobConfiguration,
  JobUpdateStatus,
  ResourceAggregate,
  ResponseCode,
  ResponseDetail,
  ScheduledTask,
  ScheduleStatus,
  ServerInfo,
  TaskConfig,
  TaskQuery
} from "../domain/model/index.ts"

const wire = <S extends Schema.Schema.Any>(s: S) => Schema.encodedSchema(s)

/**
 * A payload field typed for callers but not checked by the transport: whatever arrives reaches the
 * handler, which decodes it with messages naming the field (a transport failure would only say "defect").
 */
const unchecked = <S extends Schema.Schema.Any>(_shape: S, identifier: string) =>
  Schema.declare((_: unknown): _ is Schema.Schema.Type<S> => true, { identifier })

const JobKeyWire = Schema.Struct({
  role: Schema.String,
  environment: Schema.String,
  name: Schema.String
})
export const JobKeyInput = unchecked(JobKeyWire, "JobKeyInput")
export type JobKeyInput = typeof JobKeyWire.Type
export const JobConfigurationInput = unchecked(wire(JobConfiguration), "JobConfigurationInput")
export type JobConfigurationInput = typeof JobConfigurationInput.Type
export const TaskQueryInput = unchecked(wire(TaskQuery), "TaskQueryInput")
export type TaskQueryInput = typeof TaskQueryInput.Type
export const InstanceKeyInput = unchecked(
  Schema.Struct({ jobKey: JobKeyWire, instanceId: Schema.Number }),
  "InstanceKeyInput"
)
export const JobUpdateKeyInput = Schema.Struct({ job: JobKeyWire, id: Schema.String })
export const HostsInput = unchecked(Schema.Struct({ hostNames: Schema.Array(Schema.String) }), "HostsInput")
export const ResourceAggregateInput = unchecked(wire(ResourceAggregate), "ResourceAggregateInput")

/** Aurora's Response with the result shape of one RPC. */
export const Response = <R extends Schema.Schema.Any>(result: R) =>
  Schema.Struct({
    responseCode: ResponseCode,
    serverInfo: ServerInfo,
    details: Schema.Array(ResponseDetail),
    result: Schema.optional(result)
  })
export type Response<R> = {
  readonly responseCode: ResponseCode
  readonly serverInfo: ServerInfo
  readonly details: ReadonlyArray<{ readonly message: string }>
  readonly result?: R
}
const NoResult = Schema.Struct({
  responseCode: ResponseCode,
  serverInfo: ServerInfo,
  details: Schema.Array(ResponseDetail)
})

export const Range = Schema.Struct({ first: Schema.Int, last: Schema.Int })
export type Range = typeof Range.Type
export const ConfigGroup = Schema.Struct({ config: TaskConfig, instances: Schema.Array(Range) })
export type ConfigGroup = typeof ConfigGroup.Type
export const RoleSummary = Schema.Struct({
  role: Schema.String,
  jobCount: Schema.Int,
  cronJobCount: Schema.Int
})
export const JobStats = Schema.Struct({
  activeTaskCount: Schema.Int,
  finishedTaskCount: Schema.Int,
  failedTaskCount: Schema.Int,
  pendingTaskCount: Schema.Int
})
export const JobSummary = Schema.Struct({
  job: JobConfiguration,
  stats: JobStats,
  nextCronRunMs: Schema.optional(Schema.Number)
})
export const PendingReason = Schema.Struct({ taskId: Schema.String, reason: Schema.String })
export const GetQuotaResult = Schema.Struct({
  quota: ResourceAggregate,
  prodSharedConsumption: Schema.optional(ResourceAggregate),
  nonProdSharedConsumption: Schema.optional(ResourceAggregate),
  prodDedicatedConsumption: Schema.optional(ResourceAggregate),
  nonProdDedicatedConsumption: Schema.optional(ResourceAggregate)
})
export type GetQuotaResult = typeof GetQuotaResult.Type
export const TierConfig = Schema.Struct({
  name: Schema.String,
  settings: Schema.Record({ key: Schema.String, value: Schema.String })
})
export const ScheduleStatusResult = Schema.Struct({
  scheduleStatusResult: Schema.Struct({ tasks: Schema.Array(ScheduledTask) })
})
const HostStatuses = Schema.Struct({ statuses: Schema.Array(HostStatus) })
/** Job updates arrive in a later issue; their payloads are accepted as opaque JSON until then. */
const Opaque = Schema.Unknown

const rpc = <const Tag extends string, P extends Schema.Struct.Fields, R extends Schema.Schema.Any>(
  tag: Tag,
  payload: P,
  result: R
) => Rpc.make(tag, { payload, success: Response(result) })
const rpcNoResult = <const Tag extends string, P extends Schema.Struct.Fields>(tag: Tag, payload: P) =>
  Rpc.make(tag, { payload, success: NoResult })

/** ReadOnlyScheduler (§1.1): no authentication. */
export const ReadOnlyRpcs = RpcGroup.make(
  rpc(
    "getRoleSummary",
    {},
    Schema.Struct({ roleSummaryResult: Schema.Struct({ summaries: Schema.Array(RoleSummary) }) })
  ),
  rpc(
    "getJobSummary",
    { role: Schema.optional(Schema.String) },
    Schema.Struct({ jobSummaryResult: Schema.Struct({ summaries: Schema.Array(JobSummary) }) })
  ),
  rpc("getTasksStatus", { query: TaskQueryInput }, ScheduleStatusResult),
  rpc("getTasksWithoutConfigs", { query: TaskQueryInput }, ScheduleStatusResult),
  rpc(
    "getPendingReason",
    { query: TaskQueryInput },
    Schema.Struct({ getPendingReasonResult: Schema.Struct({ reasons: Schema.Array(PendingReason) }) })
  ),
  rpc(
    "getConfigSummary",
    { job: JobKeyInput },
    Schema.Struct({
      configSummaryResult: Schema.Struct({
        summary: Schema.Struct({ key: JobKeyWire, groups: Schema.Array(ConfigGroup) })
      })
    })
  ),
  rpc(
    "getJobs",
    { ownerRole: Schema.optional(Schema.String) },
    Schema.Struct({ getJobsResult: Schema.Struct({ configs: Schema.Array(JobConfiguration) }) })
  ),
  rpc("getQuota", { ownerRole: Schema.String }, Schema.Struct({ getQuotaResult: GetQuotaResult })),
  rpc(
    "populateJobConfig",
    { description: JobConfigurationInput },
    Schema.Struct({ populateJobResult: Schema.Struct({ taskConfig: TaskConfig }) })
  ),
  rpc("getJobUpdateSummaries", { jobUpdateQuery: Opaque }, Opaque),
  rpc(
    "getJobUpdateDetails",
    { key: Schema.optional(JobUpdateKeyInput), query: Schema.optional(Opaque) },
    Opaque
  ),
  rpc("getJobUpdateDiff", { request: Opaque }, Opaque),
  rpc(
    "getTierConfigs",
    {},
    Schema.Struct({
      getTierConfigResult: Schema.Struct({ defaultTierName: Schema.String, tiers: Schema.Array(TierConfig) })
    })
  )
)

/** AuroraSchedulerManager (§1.2): job-scoped calls. */
export const SchedulerManagerRpcs = RpcGroup.make(
  rpcNoResult("createJob", { description: JobConfigurationInput }),
  rpcNoResult("scheduleCronJob", { description: JobConfigurationInput }),
  rpcNoResult("descheduleCronJob", { job: JobKeyInput }),
  rpcNoResult("startCronJob", { job: JobKeyInput }),
  rpcNoResult("replaceCronTemplate", { config: JobConfigurationInput }),
  rpcNoResult("restartShards", { job: JobKeyInput, shardIds: Schema.Array(Schema.Number) }),
  rpcNoResult("killTasks", {
    job: JobKeyInput,
    instances: Schema.optional(Schema.Array(Schema.Number)),
    message: Schema.optional(Schema.String)
  }),
  rpcNoResult("addInstances", { key: InstanceKeyInput, count: Schema.Number }),
  rpc("startJobUpdate", { request: Opaque, message: Schema.optional(Schema.String) }, Opaque),
  rpcNoResult("pauseJobUpdate", { key: JobUpdateKeyInput, message: Schema.optional(Schema.String) }),
  rpcNoResult("resumeJobUpdate", { key: JobUpdateKeyInput, message: Schema.optional(Schema.String) }),
  rpcNoResult("abortJobUpdate", { key: JobUpdateKeyInput, message: Schema.optional(Schema.String) }),
  rpcNoResult("rollbackJobUpdate", { key: JobUpdateKeyInput, message: Schema.optional(Schema.String) }),
  rpc("pulseJobUpdate", { key: JobUpdateKeyInput }, Opaque)
)

/** AuroraAdmin (§1.3). */
export const AdminRpcs = RpcGroup.make(
  rpcNoResult("setQuota", { ownerRole: Schema.String, quota: ResourceAggregateInput }),
  rpcNoResult("forceTaskState", { taskId: Schema.String, status: ScheduleStatus }),
  rpcNoResult("performBackup", {}),
  rpc(
    "listBackups",
    {},
    Schema.Struct({ listBackupsResult: Schema.Struct({ backups: Schema.Array(Schema.String) }) })
  ),
  rpcNoResult("stageRecovery", { backupId: Schema.String }),
  rpc(
    "queryRecovery",
    { query: TaskQueryInput },
    Schema.Struct({ queryRecoveryResult: Schema.Struct({ tasks: Schema.Array(ScheduledTask) }) })
  ),
  rpcNoResult("deleteRecoveryTasks", { query: TaskQueryInput }),
  rpcNoResult("commitRecovery", {}),
  rpcNoResult("unloadRecovery", {}),
  rpc("startMaintenance", { hosts: HostsInput }, Schema.Struct({ startMaintenanceResult: HostStatuses })),
  rpc("drainHosts", { hosts: HostsInput }, Schema.Struct({ drainHostsResult: HostStatuses })),
  rpc("maintenanceStatus", { hosts: HostsInput }, Schema.Struct({ maintenanceStatusResult: HostStatuses })),
  rpc("endMaintenance", { hosts: HostsInput }, Schema.Struct({ endMaintenanceResult: HostStatuses })),
  rpc(
    "slaDrainHosts",
    { hosts: HostsInput, defaultSlaPolicy: Opaque, timeoutSecs: Schema.Number },
    Schema.Struct({ drainHostsResult: HostStatuses })
  ),
  rpcNoResult("snapshot", {}),
  rpcNoResult("triggerExplicitTaskReconciliation", {
    settings: Schema.Struct({ batchSize: Schema.optional(Schema.Number) })
  }),
  rpcNoResult("triggerImplicitTaskReconciliation", {}),
  rpcNoResult("pruneTasks", { query: TaskQueryInput })
)

/** Every RPC the scheduler serves at `/api`. */
export const SchedulerRpcs = ReadOnlyRpcs.merge(SchedulerManagerRpcs, AdminRpcs)
export type SchedulerRpcs = typeof SchedulerRpcs

/** The response codes an answer can carry, with the update statuses clients print. */
export { JobUpdateStatus, ResponseCode }
