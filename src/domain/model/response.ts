import { Schema } from "effect"

export const ResponseCodeNumber = {
  INVALID_REQUEST: 0,
  OK: 1,
  ERROR: 2,
  WARNING: 3,
  AUTH_FAILED: 4,
  JOB_UPDATING_ERROR: 5,
  ERROR_TRANSIENT: 6
} as const
export type ResponseCode = keyof typeof ResponseCodeNumber
export const ResponseCode = Schema.Literal(
  ...(Object.keys(ResponseCodeNumber) as Array<ResponseCode>)
).annotations({ identifier: "ResponseCode" })

export const ServerInfo = Schema.Struct({
  clusterName: Schema.String,
  statsUrlPrefix: Schema.optional(Schema.String)
})
export type ServerInfo = typeof ServerInfo.Type

export const ResponseDetail = Schema.Struct({ message: Schema.String })

export const JobUpdateStatus = Schema.Literal(
  "ROLLING_FORWARD",
  "ROLLING_BACK",
  "ROLL_FORWARD_PAUSED",
  "ROLL_BACK_PAUSED",
  "ROLLED_FORWARD",
  "ROLLED_BACK",
  "ABORTED",
  "ERROR",
  "FAILED",
  "ROLL_FORWARD_AWAITING_PULSE",
  "ROLL_BACK_AWAITING_PULSE"
)
export type JobUpdateStatus = typeof JobUpdateStatus.Type
export const TERMINAL_UPDATE_STATUSES: ReadonlySet<JobUpdateStatus> = new Set([
  "ROLLED_FORWARD",
  "ROLLED_BACK",
  "ABORTED",
  "FAILED",
  "ERROR"
])

export const BYPASS_LEADER_REDIRECT_HEADER = "Bypass-Leader-Redirect"
export const AURORA_EXECUTOR_NAME = "AuroraExecutor"
export const TASK_FILESYSTEM_MOUNT_POINT = "taskfs"
