// AuroraSchedulerManager handlers (api-storage-security.md §1.2; audit messages task-lifecycle.md §2.6).
// Every check and its mutation run inside one StateManager write, so two creates of one job cannot both
// pass the existence check and a refused call logs nothing.
import { Effect, Either } from "effect"
import { changeState, insertPendingTasks } from "../../domain/lifecycle/index.ts"
import {
  ACTIVE_STATES,
  InstanceKey,
  JobConfiguration,
  jobKeyToString,
  type TaskConfig
} from "../../domain/model/index.ts"
import {
  addInstancesPlan,
  checkCreateJob,
  checkCreateQuota,
  checkInstanceTotal,
  type QuotaCheck,
  quotaCategory,
  quotaErrorMessage,
  SUFFICIENT,
  validateJobConfiguration
} from "../../domain/placement/index.ts"
import type { StoresView } from "../../domain/storage/index.ts"
import {
  type Answer,
  decodeField,
  decodeJobKey,
  invalid,
  jobTasks,
  notSupported,
  ok,
  okNote,
  withDecoded
} from "./common.ts"
import type { ApiDeps, Handlers } from "./deps.ts"
import { bagOfAggregate, roleUsage } from "./views.ts"

const CRON = "Cron jobs"
const UPDATES = "Job updates"

const describeInsertError = (e: { _tag: string; instanceIds?: ReadonlyArray<number> }): string =>
  e._tag === "EmptyInstanceSet"
    ? "Instance count must be positive."
    : `Instance ids ${e.instanceIds?.join(",")} are already active.`

/** createJob / addInstances quota check; the role's usage is only gathered for prod-shared work. */
const quotaFor = (stores: StoresView, role: string, template: TaskConfig, count: number): QuotaCheck =>
  quotaCategory(template) === "PROD_SHARED"
    ? checkCreateQuota(bagOfAggregate(stores.quotas.get(role)), roleUsage(stores, role), template, count)
    : SUFFICIENT

export const jobHandlers = ({ stateManager, options, respond }: ApiDeps) => {
  const user = options.auditUser
  return {
    createJob: ({ description }) =>
      respond(
        "createJob",
        withDecoded(decodeField(JobConfiguration, "description")(description), (raw) => {
          const valid = validateJobConfiguration(raw, options.validation)
          if (Either.isLeft(valid)) return Effect.succeed(invalid(valid.left))
          const job = valid.right
          return stateManager.write((ws, ctx, stores): { value: Answer<never> } => {
            const existing = jobTasks(stores, job.key).filter((t) => ACTIVE_STATES.has(t.status))
            const refused = checkCreateJob(job, {
              activeTasks: existing.length,
              cronJob: stores.cronJobs.has(jobKeyToString(job.key))
            })
            if (refused !== undefined) return { value: invalid(refused) }
            const limit = checkInstanceTotal(job.instanceCount, options.maxTasksPerJob)
            if (limit !== undefined) return { value: invalid(limit) }
            const quota = quotaFor(stores, job.key.role, job.taskConfig, job.instanceCount)
            if (quota._tag === "Insufficient") return { value: invalid(quotaErrorMessage(quota.details)) }
            const ids = Array.from({ length: job.instanceCount }, (_, i) => i)
            const inserted = insertPendingTasks(ws, job.taskConfig, ids, existing, ctx)
            return { value: "error" in inserted ? invalid(describeInsertError(inserted.error)) : ok() }
          })
        })
      ),

    scheduleCronJob: () => respond("scheduleCronJob", notSupported(CRON)),
    descheduleCronJob: () => respond("descheduleCronJob", notSupported(CRON)),
    startCronJob: () => respond("startCronJob", notSupported(CRON)),
    replaceCronTemplate: () => respond("replaceCronTemplate", notSupported(CRON)),

    restartShards: ({ job, shardIds }) =>
      respond(
        "restartShards",
        withDecoded(decodeJobKey(job, "job"), (key) => {
          if (shardIds.length === 0)
            return Effect.succeed(invalid("shardIds: at least one shard is required."))
          return stateManager.write((ws, ctx, stores): { value: Answer<never> } => {
            const active = new Map<number, string>()
            for (const t of jobTasks(stores, key))
              if (ACTIVE_STATES.has(t.status)) active.set(t.assignedTask.instanceId, t.assignedTask.taskId)
            if (!shardIds.every((id) => active.has(id)))
              return { value: invalid("Not all requested shards are active.") }
            for (const id of new Set(shardIds))
              changeState(ws, active.get(id)!, "RESTARTING", ctx, { message: `Restarted by ${user}` })
            return { value: ok() }
          })
        })
      ),

    killTasks: ({ job, instances, message }) =>
      respond(
        "killTasks",
        withDecoded(decodeJobKey(job, "job"), (key) =>
          stateManager.write((ws, ctx, stores): { value: Answer<never> } => {
            const wanted = instances !== undefined && instances.length > 0 ? new Set(instances) : undefined
            const audit = message === undefined ? `Killed by ${user}` : `Killed by ${user}.\n${message}`
            let killed = 0
            for (const t of jobTasks(stores, key)) {
              if (!ACTIVE_STATES.has(t.status)) continue
              if (wanted !== undefined && !wanted.has(t.assignedTask.instanceId)) continue
              const r = changeState(ws, t.assignedTask.taskId, "KILLING", ctx, { message: audit })
              if (r === "SUCCESS") killed++
            }
            return { value: killed === 0 ? okNote("No tasks to kill.") : ok() }
          })
        )
      ),

    addInstances: ({ key, count }) =>
      respond(
        "addInstances",
        withDecoded(decodeField(InstanceKey, "key")(key), ({ jobKey, instanceId }) =>
          stateManager.write((ws, ctx, stores): { value: Answer<never> } => {
            const active = jobTasks(stores, jobKey).filter((t) => ACTIVE_STATES.has(t.status))
            const plan = addInstancesPlan(
              count,
              active.map((t) => t.assignedTask.instanceId),
              instanceId,
              stores.cronJobs.has(jobKeyToString(jobKey))
            )
            if (Either.isLeft(plan)) return { value: invalid(plan.left) }
            const template = active.find((t) => t.assignedTask.instanceId === instanceId)!.assignedTask.task
            const limit = checkInstanceTotal(active.length + count, options.maxTasksPerJob)
            if (limit !== undefined) return { value: invalid(limit) }
            const quota = quotaFor(stores, jobKey.role, template, count)
            if (quota._tag === "Insufficient") return { value: invalid(quotaErrorMessage(quota.details)) }
            const inserted = insertPendingTasks(ws, template, plan.right, active, ctx)
            return { value: "error" in inserted ? invalid(describeInsertError(inserted.error)) : ok() }
          })
        )
      ),

    startJobUpdate: () => respond("startJobUpdate", notSupported(UPDATES)),
    pauseJobUpdate: () => respond("pauseJobUpdate", notSupported(UPDATES)),
    resumeJobUpdate: () => respond("resumeJobUpdate", notSupported(UPDATES)),
    abortJobUpdate: () => respond("abortJobUpdate", notSupported(UPDATES)),
    rollbackJobUpdate: () => respond("rollbackJobUpdate", notSupported(UPDATES)),
    pulseJobUpdate: () => respond("pulseJobUpdate", notSupported(UPDATES))
  } satisfies Partial<Handlers>
}
