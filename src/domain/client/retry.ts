/**
 * The client's RPC retry rules (client-config.md §0.3): ERROR_TRANSIENT answers and, for read-only
 * calls, transport failures are retried every 5 s for up to 10 minutes; a mutating call that cannot
 * reach the scheduler fails at once (exit 7); running out of time is exit 9; 401/403 is exit 30.
 */

export const RPC_MAXIMUM_WAIT_MS = 10 * 60_000
export const RPC_RETRY_INTERVAL_MS = 5_000

/** Calls the original flags read-only (restartShards and startJobUpdate are safe to repeat). */
export const RETRIABLE_RPCS: ReadonlySet<string> = new Set([
  "getTasksStatus",
  "getTasksWithoutConfigs",
  "getJobs",
  "getQuota",
  "populateJobConfig",
  "getJobUpdateSummaries",
  "getJobUpdateDetails",
  "getJobUpdateDiff",
  "getTierConfigs",
  "maintenanceStatus",
  "queryRecovery",
  "restartShards",
  "startJobUpdate",
  // reads the original did not list but that change nothing
  "getRoleSummary",
  "getJobSummary",
  "getPendingReason",
  "getConfigSummary",
  "listBackups"
])

export type Attempt =
  | { readonly _tag: "Answered"; readonly transient: boolean; readonly message: string }
  | { readonly _tag: "TransportFailed"; readonly message: string }
  | { readonly _tag: "AuthFailed"; readonly message: string }

export type Decision =
  | { readonly _tag: "Done" }
  | { readonly _tag: "Retry"; readonly afterMs: number; readonly warning: string }
  | { readonly _tag: "Fail"; readonly exitCode: number; readonly message: string }

export const EXIT_NETWORK_ERROR = 7
export const EXIT_TIMEOUT = 9
export const EXIT_AUTH_ERROR = 30

/** What to do after one attempt of `rpc`, `elapsedMs` after the first one started. */
export const decideRetry = (
  rpc: string,
  attempt: Attempt,
  elapsedMs: number,
  maximumWaitMs: number = RPC_MAXIMUM_WAIT_MS
): Decision => {
  switch (attempt._tag) {
    case "AuthFailed":
      return { _tag: "Fail", exitCode: EXIT_AUTH_ERROR, message: `Authentication failed: ${attempt.message}` }
    case "Answered":
      if (!attempt.transient) return { _tag: "Done" }
      break
    case "TransportFailed":
      if (!RETRIABLE_RPCS.has(rpc))
        return {
          _tag: "Fail",
          exitCode: EXIT_NETWORK_ERROR,
          message: `Error connecting to the scheduler while calling ${rpc} (not retried, it may change state): ${attempt.message}`
        }
  }
  if (elapsedMs + RPC_RETRY_INTERVAL_MS >= maximumWaitMs)
    return {
      _tag: "Fail",
      exitCode: EXIT_TIMEOUT,
      message: `Timed out attempting to issue ${rpc}: ${attempt.message}`
    }
  return {
    _tag: "Retry",
    afterMs: RPC_RETRY_INTERVAL_MS,
    warning: `Connection error with scheduler: ${attempt.message}, reconnecting...`
  }
}
