// ReadOnlyScheduler RPCs end to end through SchedulerClient.
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { helloConfig, saveRunningTask, withScheduler } from "./harness.ts"

const key = { role: "www-data", environment: "devel", name: "hello" }
const messages = (r: { details: ReadonlyArray<{ message: string }> }) => r.details.map((d) => d.message)

describe("read-only RPCs", () => {
  it("summarizes roles, jobs and job configs", () =>
    withScheduler(({ client, storage }) =>
      Effect.gen(function* () {
        yield* client.createJob({ description: helloConfig("hello") })
        yield* client.createJob({ description: helloConfig("other", { instanceCount: 1 }) })
        yield* client.createJob({ description: helloConfig("api", { role: "mesos", instanceCount: 2 }) })
        yield* saveRunningTask(storage, helloConfig("hello"), 3)

        const roles = (yield* client.getRoleSummary({})).result!.roleSummaryResult.summaries
        expect(roles).toEqual([
          { role: "mesos", jobCount: 1, cronJobCount: 0 },
          { role: "www-data", jobCount: 2, cronJobCount: 0 }
        ])

        const summaries = (yield* client.getJobSummary({ role: "www-data" })).result!.jobSummaryResult
          .summaries
        const hello = summaries.find((s) => s.job.key.name === "hello")!
        expect(hello.stats).toEqual({
          activeTaskCount: 1,
          finishedTaskCount: 0,
          failedTaskCount: 0,
          pendingTaskCount: 3
        })
        expect(hello.job.instanceCount).toBe(4)
        expect(summaries).toHaveLength(2)
        expect((yield* client.getJobSummary({})).result!.jobSummaryResult.summaries).toHaveLength(3)

        const jobs = (yield* client.getJobs({ ownerRole: "mesos" })).result!.getJobsResult.configs
        expect(jobs.map((j) => [j.key.name, j.instanceCount])).toEqual([["api", 2]])
        const all = (yield* client.getJobs({})).result!.getJobsResult.configs
        expect(all.map((j) => j.key.name).sort()).toEqual(["api", "hello", "other"])

        // Killing instance 1 (PENDING, so deleted) splits the instance range; the RUNNING instance 3 was
        // stored without validation's injected host limit, so its config forms a group of its own.
        yield* client.killTasks({ job: key, instances: [1] })
        const summary = (yield* client.getConfigSummary({ job: key })).result!.configSummaryResult.summary
        expect(summary.key).toEqual(key)
        expect(summary.groups.map((g) => g.instances)).toEqual([
          [
            { first: 0, last: 0 },
            { first: 2, last: 2 }
          ],
          [{ first: 3, last: 3 }]
        ])
      })
    ))

  it("pages task queries and clears executor data in getTasksWithoutConfigs", () =>
    withScheduler(({ client }) =>
      Effect.gen(function* () {
        yield* client.createJob({ description: helloConfig("hello", { instanceCount: 5 }) })
        const all = (yield* client.getTasksStatus({ query: { role: "www-data" } })).result!
          .scheduleStatusResult.tasks
        expect(all).toHaveLength(5)
        const ids = all.map((t) => t.assignedTask.taskId)
        const page = (yield* client.getTasksStatus({ query: { role: "www-data", offset: 1, limit: 2 } }))
          .result!.scheduleStatusResult.tasks
        expect(page.map((t) => t.assignedTask.taskId)).toEqual(ids.slice(1, 3))
        const noLimit = yield* client.getTasksStatus({ query: { role: "www-data", limit: 0 } })
        expect(noLimit.result!.scheduleStatusResult.tasks).toHaveLength(5)
        const byInstance = yield* client.getTasksStatus({ query: { jobKeys: [key], instanceIds: [4] } })
        expect(byInstance.result!.scheduleStatusResult.tasks.map((t) => t.assignedTask.instanceId)).toEqual([
          4
        ])
        const none = yield* client.getTasksStatus({ query: { statuses: ["RUNNING"] } })
        expect(none.result!.scheduleStatusResult.tasks).toEqual([])

        const bare = (yield* client.getTasksWithoutConfigs({ query: { role: "www-data" } })).result!
          .scheduleStatusResult.tasks
        expect(all[0].assignedTask.task.executorConfig?.data).toBe('{"processes":[]}')
        expect(bare.every((t) => t.assignedTask.task.executorConfig?.data === "")).toBe(true)

        const bad = yield* client.getTasksStatus({ query: { statuses: ["SLEEPING" as never] } })
        expect(bad.responseCode).toBe("INVALID_REQUEST")
        expect(messages(bad)).toEqual([
          'query.statuses.0: Expected one of "PENDING", "STARTING", "RUNNING", "FINISHED", "FAILED", "KILLED", "KILLING", "LOST", "ASSIGNED", "INIT", "RESTARTING", "PREEMPTING", "THROTTLED", "DRAINING", "PARTITIONED", actual "SLEEPING"'
        ])
        const negative = yield* client.getTasksStatus({ query: { limit: -1 } })
        expect(messages(negative)[0]).toMatch(/^query\.limit: /)
      })
    ))

  it("explains pending tasks and refuses status or host filters", () =>
    withScheduler(({ client }) =>
      Effect.gen(function* () {
        yield* client.createJob({ description: helloConfig("unplaceable", { instanceCount: 2 }) })
        yield* client.createJob({ description: helloConfig("fine", { instanceCount: 1 }) })
        const reasons = (yield* client.getPendingReason({ query: { role: "www-data" } })).result!
          .getPendingReasonResult.reasons
        expect(reasons).toHaveLength(3)
        const byJob = reasons.map((r) => [r.taskId.split("-")[3], r.reason])
        expect(byJob.filter(([job]) => job === "unplaceable").map(([, r]) => r)).toEqual([
          "Insufficient CPU,Insufficient RAM",
          "Insufficient CPU,Insufficient RAM"
        ])
        expect(byJob.filter(([job]) => job === "fine").map(([, r]) => r)).toEqual([""])
        const refused = yield* client.getPendingReason({ query: { statuses: ["PENDING"] } })
        expect(refused.responseCode).toBe("INVALID_REQUEST")
        expect(messages(refused)).toEqual([
          "query: statuses and slaveHosts are not supported by getPendingReason"
        ])
      })
    ))

  it("populates job configs, lists tiers, and refuses unsupported calls clearly", () =>
    withScheduler(({ client }) =>
      Effect.gen(function* () {
        const populated = yield* client.populateJobConfig({ description: helloConfig("p") })
        expect(populated.responseCode).toBe("OK")
        const config = populated.result!.populateJobResult.taskConfig
        expect(config.tier).toBe("preemptible")
        expect(config.production).toBe(false)
        expect(config.constraints).toEqual([{ name: "host", constraint: { limit: { limit: 1 } } }])
        const invalid = yield* client.populateJobConfig({ description: helloConfig("p", { cpus: 0 }) })
        expect(invalid.responseCode).toBe("INVALID_REQUEST")
        expect(messages(invalid)).toEqual(["Invalid configuration: num_cpus must be greater than 0.0"])
        const unknownTier = yield* client.populateJobConfig({
          description: helloConfig("p", { tier: "gold" })
        })
        expect(messages(unknownTier)).toEqual(["Invalid configuration: Invalid tier 'gold' in TaskConfig."])

        const tiers = (yield* client.getTierConfigs({})).result!.getTierConfigResult
        expect(tiers.defaultTierName).toBe("preemptible")
        expect(tiers.tiers).toContainEqual({
          name: "preferred",
          settings: { preemptible: "false", revocable: "false" }
        })

        const update = yield* client.getJobUpdateSummaries({ jobUpdateQuery: {} })
        expect(update.responseCode).toBe("ERROR")
        expect(messages(update)).toEqual(["Job updates are not supported by this scheduler yet"])
        const start = yield* client.startJobUpdate({ request: {} })
        expect(messages(start)).toEqual(["Job updates are not supported by this scheduler yet"])
        const cron = yield* client.scheduleCronJob({ description: helloConfig("c") })
        expect(cron.responseCode).toBe("ERROR")
        expect(messages(cron)).toEqual(["Cron jobs are not supported by this scheduler yet"])
      })
    ))
})
