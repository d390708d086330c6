// AuroraAdmin RPCs end to end: task state, pruning, snapshots, backups and recovery, maintenance and
// reconciliation triggers.
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { helloConfig, saveRunningTask, storeContents, withScheduler } from "./harness.ts"

const key = { role: "www-data", environment: "devel", name: "hello" }
const messages = (r: { details: ReadonlyArray<{ message: string }> }) => r.details.map((d) => d.message)

describe("task administration", () => {
  it("forces a task state with the audit message, and prunes only terminal tasks", () =>
    withScheduler(({ client, storage }) =>
      Effect.gen(function* () {
        yield* client.createJob({ description: helloConfig("hello", { instanceCount: 1 }) })
        const id = yield* saveRunningTask(storage, helloConfig("hello"), 4)
        const forced = yield* client.forceTaskState({ taskId: id, status: "FINISHED" })
        expect(forced.responseCode).toBe("OK")
        const [task] = (yield* client.getTasksStatus({ query: { taskIds: [id] } })).result!
          .scheduleStatusResult.tasks
        expect(task.status).toBe("FINISHED")
        expect(task.taskEvents.at(-1)).toMatchObject({
          status: "FINISHED",
          message: "Transition forced by UNSECURE"
        })
        // An unknown task is still OK (Aurora always answers OK).
        expect((yield* client.forceTaskState({ taskId: "nope", status: "LOST" })).responseCode).toBe("OK")

        const active = yield* client.pruneTasks({ query: { statuses: ["RUNNING", "FINISHED"] } })
        expect(active.responseCode).toBe("ERROR")
        expect(messages(active)).toEqual(["Tasks in non-terminal state cannot be pruned."])
        // A finished service instance is rescheduled: instance 0, the FINISHED task and its replacement.
        const before = (yield* storeContents(storage)).tasks
        expect(before).toHaveLength(3)

        const pruned = yield* client.pruneTasks({ query: { jobKeys: [key] } })
        expect(pruned.responseCode).toBe("OK")
        const left = (yield* storeContents(storage)).tasks
        expect(left).toEqual(before.filter((t) => t !== `${id} FINISHED`))
        expect(left.every((t) => t.endsWith(" PENDING"))).toBe(true)
      })
    ))

  it("takes a snapshot, writes and lists backups, and stages, queries, edits and unloads a recovery", () =>
    withScheduler(({ client, storage, recorded }) =>
      Effect.gen(function* () {
        yield* client.createJob({ description: helloConfig("hello", { instanceCount: 3 }) })
        expect((yield* client.snapshot({})).responseCode).toBe("OK")
        expect((yield* client.performBackup({})).responseCode).toBe("OK")
        const backups = (yield* client.listBackups({})).result!.listBackupsResult.backups
        expect(backups).toHaveLength(1)
        expect(backups[0]).toMatch(/^scheduler-backup-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}$/)

        const notLoaded = yield* client.queryRecovery({ query: {} })
        expect(notLoaded.responseCode).toBe("ERROR")
        expect(messages(notLoaded)).toEqual(["No backup loaded."])
        const missing = yield* client.stageRecovery({ backupId: "scheduler-backup-1999-01-01-00-00" })
        expect(missing.responseCode).toBe("ERROR")
        expect(messages(missing)[0]).toContain("does not exist")

        expect((yield* client.stageRecovery({ backupId: backups[0] })).responseCode).toBe("OK")
        const again = yield* client.stageRecovery({ backupId: backups[0] })
        expect(messages(again)).toEqual(["Another backup is already loaded."])
        const staged = (yield* client.queryRecovery({ query: { jobKeys: [key] } })).result!
          .queryRecoveryResult.tasks
        expect(staged).toHaveLength(3)
        yield* client.deleteRecoveryTasks({ query: { instanceIds: [0] } })
        const after = (yield* client.queryRecovery({ query: {} })).result!.queryRecoveryResult.tasks
        expect(after.map((t) => t.assignedTask.instanceId).sort()).toEqual([1, 2])
        // The live store is untouched by edits of the staged backup.
        expect((yield* storeContents(storage)).tasks).toHaveLength(3)
        expect((yield* client.unloadRecovery({})).responseCode).toBe("OK")
        expect(messages(yield* client.unloadRecovery({}))).toEqual(["No backup loaded."])

        // Commit: the staged content replaces the live state, and the scheduler shuts itself down.
        yield* client.stageRecovery({ backupId: backups[0] })
        yield* client.deleteRecoveryTasks({ query: { instanceIds: [2] } })
        expect((yield* client.commitRecovery({})).responseCode).toBe("OK")
        yield* Effect.sleep("300 millis")
        expect(recorded.shutdowns).toHaveLength(1)
        expect((yield* client.getJobs({})).responseCode).toBe("ERROR_TRANSIENT")
      })
    ))
})

describe("maintenance and reconciliation", () => {
  it("passes host lists to the maintenance controller and validates them", () =>
    withScheduler(({ client, recorded }) =>
      Effect.gen(function* () {
        const hosts = { hostNames: ["known-a", "unknown-b", "known-a"] }
        const started = yield* client.startMaintenance({ hosts })
        expect(started.result!.startMaintenanceResult.statuses).toEqual([
          { host: "known-a", mode: "SCHEDULED" }
        ])
        const drained = yield* client.drainHosts({ hosts })
        expect(drained.result!.drainHostsResult.statuses).toEqual([{ host: "known-a", mode: "DRAINING" }])
        const status = yield* client.maintenanceStatus({ hosts })
        expect(status.result!.maintenanceStatusResult.statuses).toEqual([{ host: "known-a", mode: "NONE" }])
        const ended = yield* client.endMaintenance({ hosts })
        expect(ended.responseCode).toBe("OK")

        const badHosts = yield* client.drainHosts({ hosts: { hostNames: "known-a" } as never })
        expect(badHosts.responseCode).toBe("INVALID_REQUEST")
        expect(messages(badHosts)[0]).toMatch(/^hosts\.hostNames: /)
        const badPolicy = yield* client.slaDrainHosts({
          hosts,
          defaultSlaPolicy: { nope: 1 },
          timeoutSecs: 60
        })
        expect(badPolicy.responseCode).toBe("INVALID_REQUEST")
        expect(messages(badPolicy)[0]).toMatch(/^defaultSlaPolicy/)
        const policy = { percentageSlaPolicy: { percentage: 95, durationSecs: 1800 } }
        const sla = yield* client.slaDrainHosts({ hosts, defaultSlaPolicy: policy, timeoutSecs: 60 })
        expect(sla.responseCode).toBe("OK")
        expect(recorded.calls).toContain(`slaDrain ${JSON.stringify(policy)} 60`)
      })
    ))

  it("triggers reconciliation and refuses a non-positive batch size", () =>
    withScheduler(({ client, recorded }) =>
      Effect.gen(function* () {
        const bad = yield* client.triggerExplicitTaskReconciliation({ settings: { batchSize: 0 } })
        expect(bad.responseCode).toBe("INVALID_REQUEST")
        expect(recorded.calls).toEqual([])
        expect(
          (yield* client.triggerExplicitTaskReconciliation({ settings: { batchSize: 7 } })).responseCode
        ).toBe("OK")
        expect((yield* client.triggerImplicitTaskReconciliation({})).responseCode).toBe("OK")
        yield* Effect.sleep("100 millis")
        expect([...recorded.calls].sort()).toEqual(["explicit 7", "implicit"])
      })
    ))
})
