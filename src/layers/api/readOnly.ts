// ReadOnlyScheduler handlers (api-storage-security.md §1.1).
import { Effect, Either } from "effect"
import { JobConfiguration, jobKeyToString, type ScheduledTask } from "../../domain/model/index.ts"
import { consumption, validateJobConfiguration } from "../../domain/placement/index.ts"
import { queryTasks } from "../../domain/storage/index.ts"
import {
  decodeField,
  decodeJobKey,
  decodeQuery,
  error,
  invalid,
  jobTasks,
  notSupported,
  ok,
  withDecoded
} from "./common.ts"
import type { ApiDeps, Handlers } from "./deps.ts"
import {
  aggregateOf,
  bagOfAggregate,
  configGroups,
  jobActiveTasks,
  jobStats,
  roleCrons,
  roleTasks,
  roleUsage,
  synthesizeJobs
} from "./views.ts"

const withoutConfigData = (t: ScheduledTask): ScheduledTask => {
  const exec = t.assignedTask.task.executorConfig
  if (exec === undefined) return t
  return {
    ...t,
    assignedTask: {
      ...t.assignedTask,
      task: { ...t.assignedTask.task, executorConfig: { ...exec, data: "" } }
    }
  }
}

const blank = (s: string | undefined): boolean => s === undefined || s.trim().length === 0

export const readOnlyHandlers = ({ storage, taskScheduler, options, respond }: ApiDeps) =>
  ({
    getRoleSummary: () =>
      respond(
        "getRoleSummary",
        storage.read((stores) => {
          const roles = new Map<string, { jobs: number; crons: number }>()
          const entry = (role: string) => {
            let e = roles.get(role)
            if (e === undefined) {
              e = { jobs: 0, crons: 0 }
              roles.set(role, e)
            }
            return e
          }
          for (const job of stores.tasksByJob.keys()) entry(job.slice(0, job.indexOf("/"))).jobs++
          for (const c of stores.cronJobs.values()) entry(c.key.role).crons++
          const summaries = [...roles]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([role, e]) => ({ role, jobCount: e.jobs, cronJobCount: e.crons }))
          return ok({ roleSummaryResult: { summaries } })
        })
      ),

    getJobSummary: ({ role }) =>
      respond(
        "getJobSummary",
        storage.read((stores) => {
          const r = blank(role) ? undefined : role
          const tasks = roleTasks(stores, r)
          const jobs = synthesizeJobs(tasks, roleCrons(stores, r))
          const byJob = new Map<string, Array<ScheduledTask>>()
          for (const t of tasks) {
            const k = jobKeyToString(t.assignedTask.task.job)
            const list = byJob.get(k)
            if (list === undefined) byJob.set(k, [t])
            else list.push(t)
          }
          const summaries = [...jobs].map(([k, job]) => ({ job, stats: jobStats(byJob.get(k) ?? []) }))
          return ok({ jobSummaryResult: { summaries } })
        })
      ),

    getTasksStatus: ({ query }) =>
      respond(
        "getTasksStatus",
        withDecoded(decodeQuery(query), (q) =>
          storage.read((stores) => ok({ scheduleStatusResult: { tasks: queryTasks(stores, q) } }))
        )
      ),

    getTasksWithoutConfigs: ({ query }) =>
      respond(
        "getTasksWithoutConfigs",
        withDecoded(decodeQuery(query), (q) =>
          storage.read((stores) =>
            ok({ scheduleStatusResult: { tasks: queryTasks(stores, q).map(withoutConfigData) } })
          )
        )
      ),

    getPendingReason: ({ query }) =>
      respond(
        "getPendingReason",
        withDecoded(decodeQuery(query), (q) =>
          Effect.gen(function* () {
            if (q.slaveHosts !== undefined || q.statuses !== undefined)
              return invalid("query: statuses and slaveHosts are not supported by getPendingReason")
            const tasks = yield* storage.read((stores) => queryTasks(stores, { ...q, statuses: ["PENDING"] }))
            const reasons = yield* Effect.forEach(tasks, (t) =>
              Effect.map(taskScheduler.pendingReason(t.assignedTask.task), (reason) => ({
                taskId: t.assignedTask.taskId,
                reason: reason ?? ""
              }))
            )
            return ok({ getPendingReasonResult: { reasons } })
          })
        )
      ),

    getConfigSummary: ({ job }) =>
      respond(
        "getConfigSummary",
        withDecoded(decodeJobKey(job, "job"), (key) =>
          storage.read((stores) =>
            ok({ configSummaryResult: { summary: { key, groups: configGroups(jobTasks(stores, key)) } } })
          )
        )
      ),

    getJobs: ({ ownerRole }) =>
      respond(
        "getJobs",
        storage.read((stores) => {
          const r = blank(ownerRole) ? undefined : ownerRole
          const jobs = synthesizeJobs(jobActiveTasks(roleTasks(stores, r)), roleCrons(stores, r))
          return ok({ getJobsResult: { configs: [...jobs.values()] } })
        })
      ),

    getQuota: ({ ownerRole }) =>
      respond(
        "getQuota",
        blank(ownerRole)
          ? Effect.succeed(error("ownerRole must not be blank."))
          : storage.read((stores) => {
              const usage = roleUsage(stores, ownerRole)
              return ok({
                getQuotaResult: {
                  quota: aggregateOf(bagOfAggregate(stores.quotas.get(ownerRole))),
                  prodSharedConsumption: aggregateOf(consumption(usage, "PROD_SHARED")),
                  nonProdSharedConsumption: aggregateOf(consumption(usage, "NON_PROD_SHARED")),
                  prodDedicatedConsumption: aggregateOf(consumption(usage, "PROD_DEDICATED")),
                  nonProdDedicatedConsumption: aggregateOf(consumption(usage, "NON_PROD_DEDICATED"))
                }
              })
            })
      ),

    populateJobConfig: ({ description }) =>
      respond(
        "populateJobConfig",
        withDecoded(decodeField(JobConfiguration, "description")(description), (job) => {
          const valid = validateJobConfiguration(job, options.validation)
          return Effect.succeed(
            Either.isLeft(valid)
              ? invalid(`Invalid configuration: ${valid.left}`)
              : ok({ populateJobResult: { taskConfig: valid.right.taskConfig } })
          )
        })
      ),

    getJobUpdateSummaries: () => respond("getJobUpdateSummaries", notSupported("Job updates")),
    getJobUpdateDetails: () => respond("getJobUpdateDetails", notSupported("Job updates")),
    getJobUpdateDiff: () => respond("getJobUpdateDiff", notSupported("Job updates")),

    getTierConfigs: () =>
      respond(
        "getTierConfigs",
        Effect.succeed(
          ok({
            getTierConfigResult: {
              defaultTierName: options.validation.tiers.default,
              tiers: Object.entries(options.validation.tiers.tiers).map(([name, t]) => ({
                name,
                settings: { preemptible: String(t.preemptible), revocable: String(t.revocable) }
              }))
            }
          })
        )
      )
  }) satisfies Partial<Handlers>
