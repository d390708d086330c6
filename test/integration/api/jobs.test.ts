// createJob, killTasks, restartShards, addInstances and quota end to end: SchedulerClient over real
// HTTP against the scheduler's handlers over durable storage.
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { helloConfig, saveRunningTask, storeContents, withScheduler } from "./harness.ts"

const messages = (r: { details: ReadonlyArray<{ message: string }> }) => r.details.map((d) => d.message)

describe("createJob", () => {
  it("inserts PENDING tasks for every instance, and a second create says the job exists", () =>
    withScheduler(({ client }) =>
      Effect.gen(function* () {
        const created = yield* client.createJob({ description: helloConfig("hello") })
        expect(created.responseCode).toBe("OK")
        expect(created.serverInfo).toEqual({ clusterName: "test-cluster", statsUrlPrefix: "http://stats/" })
        const status = yield* client.getTasksStatus({
          query: { jobKeys: [{ role: "www-data", environment: "devel", name: "hello" }] }
        })
        const tasks = status.result!.scheduleStatusResult.tasks
        expect(tasks.map((t) => t.assignedTask.instanceId).sort()).toEqual([0, 1, 2])
        expect(new Set(tasks.map((t) => t.status))).toEqual(new Set(["PENDING"]))
        expect(tasks[0].taskEvents.at(-1)?.scheduler).toBe("scheduler-test")
        // Validation filled defaults: the default tier and non-production.
        expect(tasks[0].assignedTask.task.tier).toBe("preemptible")
        expect(tasks[0].assignedTask.task.production).toBe(false)

        const again = yield* client.createJob({ description: helloConfig("hello", { instanceCount: 1 }) })
        expect(again.responseCode).toBe("INVALID_REQUEST")
        expect(messages(again)).toEqual(["Job www-data/devel/hello already exists"])
        const after = yield* client.getTasksStatus({ query: { role: "www-data" } })
        expect(after.result!.scheduleStatusResult.tasks).toHaveLength(3)
      })
    ))

  it("refuses malformed keys and invalid configs with messages naming the field, changing nothing", () =>
    withScheduler(({ client, storage }) =>
      Effect.gen(function* () {
        yield* client.createJob({ description: helloConfig("existing", { instanceCount: 1 }) })
        const before = yield* storeContents(storage)
        const badKey = helloConfig("bad name")
        const r1 = yield* client.createJob({ description: badKey })
        expect(r1.responseCode).toBe("INVALID_REQUEST")
        expect(messages(r1).join()).toContain("description.key.name")
        expect(messages(r1).join()).toContain('"bad name"')

        const noCpu = helloConfig("nocpu", { cpus: 0 })
        const r2 = yield* client.createJob({ description: noCpu })
        expect(r2.responseCode).toBe("INVALID_REQUEST")
        expect(messages(r2)).toEqual(["num_cpus must be greater than 0.0"])

        const env = helloConfig("env", { environment: "nope" })
        const r3 = yield* client.createJob({ description: env })
        expect(messages(r3)).toEqual(["Job environment nope doesn't match: ^(prod|devel|test|staging\\d*)$"])

        const cron = { ...helloConfig("cron"), cronSchedule: "*/5 * * * *" }
        cron.taskConfig = { ...cron.taskConfig, isService: false }
        const r4 = yield* client.createJob({ description: cron })
        expect(r4.responseCode).toBe("INVALID_REQUEST")
        expect(messages(r4)).toEqual(["Cron jobs may only be created/updated by calling scheduleCronJob."])

        const tooMany = helloConfig("many", { instanceCount: 4001 })
        const r5 = yield* client.createJob({ description: tooMany })
        expect(messages(r5)).toEqual(["Instance count must be between 1 and 4000 inclusive."])

        const wrongType = {
          ...helloConfig("x"),
          taskConfig: { ...helloConfig("x").taskConfig, priority: "high" }
        }
        const r6 = yield* client.createJob({ description: wrongType as never })
        expect(r6.responseCode).toBe("INVALID_REQUEST")
        expect(messages(r6)).toEqual(['description.taskConfig.priority: Expected number, actual "high"'])
        const { owner: _o, ...noOwner } = helloConfig("y")
        const r7 = yield* client.createJob({ description: noOwner as never })
        expect(messages(r7)).toEqual(["description.owner: is missing"])

        expect(yield* storeContents(storage)).toEqual(before)
      })
    ))

  it("refuses a production job beyond the role's quota with Aurora's message, and accepts it once quota is set", () =>
    withScheduler(({ client, storage }) =>
      Effect.gen(function* () {
        const prod = helloConfig("web", { environment: "prod", tier: "preferred", instanceCount: 3 })
        const refused = yield* client.createJob({ description: prod })
        expect(refused.responseCode).toBe("INVALID_REQUEST")
        expect(messages(refused)).toEqual([
          "Insufficient resource quota: CPU quota exceeded by 1.50 core(s); RAM quota exceeded by 384.00 MB; disk quota exceeded by 768.00 MB"
        ])
        expect((yield* storeContents(storage)).tasks).toEqual([])

        const set = yield* client.setQuota({
          ownerRole: "www-data",
          quota: { resources: [{ numCpus: 2 }, { ramMb: 1024 }, { diskMb: 1024 }] }
        })
        expect(set.responseCode).toBe("OK")
        expect((yield* client.createJob({ description: prod })).responseCode).toBe("OK")
        const quota = yield* client.getQuota({ ownerRole: "www-data" })
        expect(quota.result!.getQuotaResult.quota.resources).toEqual([
          { numCpus: 2 },
          { ramMb: 1024 },
          { diskMb: 1024 }
        ])
        expect(quota.result!.getQuotaResult.prodSharedConsumption!.resources).toEqual([
          { numCpus: 1.5 },
          { ramMb: 384 },
          { diskMb: 768 }
        ])
        // Lowering quota under the current reservation is refused.
        const lower = yield* client.setQuota({
          ownerRole: "www-data",
          quota: { resources: [{ numCpus: 1 }, { ramMb: 1024 }, { diskMb: 1024 }] }
        })
        expect(lower.responseCode).toBe("INVALID_REQUEST")
        expect(messages(lower)[0]).toContain("is less then current prod reservation")
        const badShape = yield* client.setQuota({
          ownerRole: "www-data",
          quota: { resources: [{ numCpus: 1 }] }
        })
        expect(messages(badShape)).toEqual(["Quota resources must be exactly: CPUS, RAM_MB, DISK_MB"])
        // Non-production work is never blocked by quota.
        expect(
          (yield* client.createJob({ description: helloConfig("batch", { instanceCount: 50 }) })).responseCode
        ).toBe("OK")
        expect((yield* client.getQuota({ ownerRole: " " })).responseCode).toBe("ERROR")
      })
    ))
})

describe("killTasks, restartShards, addInstances", () => {
  const key = { role: "www-data", environment: "devel", name: "hello" }

  it("kills with the audit message, then finds no tasks to kill", () =>
    withScheduler(({ client, storage }) =>
      Effect.gen(function* () {
        yield* client.createJob({ description: helloConfig("hello") })
        const one = yield* client.killTasks({ job: key, instances: [1], message: "going away" })
        expect(one.responseCode).toBe("OK")
        expect(messages(one)).toEqual([])
        const tasks = (yield* client.getTasksStatus({ query: { jobKeys: [key] } })).result!
          .scheduleStatusResult.tasks
        // A PENDING task is deleted when killed (task-lifecycle.md §2): instance 1 is gone, the rest stay.
        expect(tasks.map((t) => t.assignedTask.instanceId).sort()).toEqual([0, 2])
        expect(tasks.every((t) => t.status === "PENDING")).toBe(true)

        const runningId = yield* saveRunningTask(storage, helloConfig("hello"), 5)
        const five = yield* client.killTasks({ job: key, instances: [5], message: "going away" })
        expect(five.responseCode).toBe("OK")
        const [running] = (yield* client.getTasksStatus({ query: { taskIds: [runningId] } })).result!
          .scheduleStatusResult.tasks
        expect(running.status).toBe("KILLING")
        expect(running.taskEvents.at(-1)).toMatchObject({
          status: "KILLING",
          message: "Killed by UNSECURE.\ngoing away"
        })

        const all = yield* client.killTasks({ job: key })
        expect(all.responseCode).toBe("OK")
        const none = yield* client.killTasks({ job: key })
        expect(none.responseCode).toBe("OK")
        expect(messages(none)).toEqual(["No tasks to kill."])
        const unknown = yield* client.killTasks({ job: { ...key, name: "nosuchjob" } })
        expect(messages(unknown)).toEqual(["No tasks to kill."])
        const malformed = yield* client.killTasks({ job: { ...key, role: "a/b" } })
        expect(malformed.responseCode).toBe("INVALID_REQUEST")
        expect(messages(malformed)[0]).toMatch(/^job\.role: /)
      })
    ))

  it("restarts only active shards and adds instances after the highest id", () =>
    withScheduler(({ client, storage }) =>
      Effect.gen(function* () {
        yield* client.createJob({ description: helloConfig("hello", { instanceCount: 2 }) })
        const before = yield* storeContents(storage)
        const bad = yield* client.restartShards({ job: key, shardIds: [0, 7] })
        expect(bad.responseCode).toBe("INVALID_REQUEST")
        expect(messages(bad)).toEqual(["Not all requested shards are active."])
        const unknownJob = yield* client.restartShards({ job: { ...key, name: "ghost" }, shardIds: [0] })
        expect(messages(unknownJob)).toEqual(["Not all requested shards are active."])
        const noTemplate = yield* client.addInstances({
          key: { jobKey: { ...key, name: "ghost" }, instanceId: 0 },
          count: 2
        })
        expect(noTemplate.responseCode).toBe("INVALID_REQUEST")
        expect(messages(noTemplate)).toEqual(["No active task found for a given instance ID."])
        const zero = yield* client.addInstances({ key: { jobKey: key, instanceId: 0 }, count: 0 })
        expect(messages(zero)).toEqual(["Instance count must be positive."])
        expect(yield* storeContents(storage)).toEqual(before)

        const added = yield* client.addInstances({ key: { jobKey: key, instanceId: 1 }, count: 3 })
        expect(added.responseCode).toBe("OK")
        const tasks = (yield* client.getTasksStatus({ query: { jobKeys: [key] } })).result!
          .scheduleStatusResult.tasks
        expect(tasks.map((t) => t.assignedTask.instanceId).sort()).toEqual([0, 1, 2, 3, 4])

        // PENDING tasks cannot be restarted (silently ILLEGAL), but the call is accepted.
        const restart = yield* client.restartShards({ job: key, shardIds: [0] })
        expect(restart.responseCode).toBe("OK")
      })
    ))
})
