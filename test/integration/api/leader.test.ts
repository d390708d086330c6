// The API over the real leader services (task scheduler, offers, maintenance, reconciliation) and a
// simulated cluster: what a client sees as jobs run, are killed, cannot be placed, and are drained.
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { bag } from "../../../src/domain/placement/index.ts"
import type { SchedulerClientShape } from "../../../src/services/SchedulerClient.ts"
import { helloConfig, withScheduler } from "./harness.ts"

const cluster = {
  agents: ["host-a", "host-b"].map((host) => ({
    host,
    capacity: bag({ cpus: 4, ramMb: 8192, diskMb: 65_536 })
  })),
  allocationIntervalMs: 100
}

const key = (name: string) => ({ role: "www-data", environment: "devel", name })

const tasksOf = (client: SchedulerClientShape, name: string) =>
  Effect.map(
    client.getTasksStatus({ query: { jobKeys: [key(name)] } }),
    (r) => r.result?.scheduleStatusResult.tasks ?? []
  )

/** Polls (real time) until `cond` holds for the job's tasks; fails the test after `ms`. */
const waitFor = (
  client: SchedulerClientShape,
  name: string,
  cond: (tasks: Effect.Effect.Success<ReturnType<typeof tasksOf>>) => boolean,
  ms = 20_000
) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms
    while (Date.now() < deadline) {
      const tasks = yield* tasksOf(client, name)
      if (cond(tasks)) return tasks
      yield* Effect.sleep("50 millis")
    }
    const tasks = yield* tasksOf(client, name)
    throw new Error(
      `timed out; tasks: ${tasks.map((t) => `${t.assignedTask.instanceId}:${t.status}`).join(" ")}`
    )
  })

describe("API over the leader services", () => {
  it("runs a created job, kills it, and explains what cannot be placed", () =>
    withScheduler(
      ({ client, url }) =>
        Effect.gen(function* () {
          expect(
            (yield* client.createJob({ description: helloConfig("web", { instanceCount: 2 }) })).responseCode
          ).toBe("OK")
          const running = yield* waitFor(
            client,
            "web",
            (ts) => ts.length === 2 && ts.every((t) => t.status === "RUNNING")
          )
          // The default host limit spreads the two instances over both hosts.
          expect(new Set(running.map((t) => t.assignedTask.slaveHost))).toEqual(new Set(["host-a", "host-b"]))

          const killed = yield* client.killTasks({ job: key("web"), message: "done" })
          expect(killed.responseCode).toBe("OK")
          const done = yield* waitFor(client, "web", (ts) => ts.every((t) => t.status === "KILLED"))
          expect(done.every((t) => t.taskEvents.some((e) => e.message === "Killed by UNSECURE.\ndone"))).toBe(
            true
          )

          yield* client.createJob({ description: helloConfig("huge", { instanceCount: 1, cpus: 64 }) })
          const deadline = Date.now() + 20_000
          let reason = ""
          while (reason === "" && Date.now() < deadline) {
            yield* Effect.sleep("100 millis")
            const r = yield* client.getPendingReason({ query: { jobKeys: [key("huge")] } })
            reason = r.result?.getPendingReasonResult.reasons[0]?.reason ?? ""
          }
          expect(reason).toContain("Insufficient: CPU")
          const pending = JSON.parse(
            yield* Effect.promise(() => fetch(`${url}/pendingtasks`).then((r) => r.text()))
          ) as Array<{ taskIds: Array<string>; reason: string }>
          expect(pending.some((g) => g.reason.includes("Insufficient: CPU"))).toBe(true)
        }),
      { cluster }
    ))

  it("drains a host: its tasks move to the other host, and the host ends DRAINED", () =>
    withScheduler(
      ({ client }) =>
        Effect.gen(function* () {
          const base = helloConfig("svc", { instanceCount: 2 })
          // A host limit of 2, so both instances may share the remaining host after the drain.
          const config = {
            ...base,
            taskConfig: {
              ...base.taskConfig,
              constraints: [{ name: "host", constraint: { limit: { limit: 2 } } }]
            }
          }
          yield* client.createJob({ description: config })
          const before = yield* waitFor(
            client,
            "svc",
            (ts) => ts.length === 2 && ts.every((t) => t.status === "RUNNING")
          )
          const drainedHost = before[0].assignedTask.slaveHost!
          const other = drainedHost === "host-a" ? "host-b" : "host-a"
          const r = yield* client.drainHosts({ hosts: { hostNames: [drainedHost] } })
          expect(r.responseCode).toBe("OK")
          expect(r.result!.drainHostsResult.statuses).toEqual([{ host: drainedHost, mode: "DRAINING" }])
          const after = yield* waitFor(client, "svc", (ts) => {
            const active = ts.filter((t) => t.status === "RUNNING")
            return active.length === 2 && active.every((t) => t.assignedTask.slaveHost === other)
          })
          expect(
            after.some((t) => t.taskEvents.some((e) => e.message === "Draining machine for maintenance."))
          ).toBe(true)
          const deadline = Date.now() + 20_000
          let mode = ""
          while (mode !== "DRAINED" && Date.now() < deadline) {
            yield* Effect.sleep("100 millis")
            const s = yield* client.maintenanceStatus({ hosts: { hostNames: [drainedHost] } })
            mode = s.result?.maintenanceStatusResult.statuses[0]?.mode ?? ""
          }
          expect(mode).toBe("DRAINED")
          const ended = yield* client.endMaintenance({ hosts: { hostNames: [drainedHost] } })
          expect(ended.result!.endMaintenanceResult.statuses).toEqual([{ host: drainedHost, mode: "NONE" }])
          expect((yield* client.triggerExplicitTaskReconciliation({ settings: {} })).responseCode).toBe("OK")
          expect((yield* client.triggerImplicitTaskReconciliation({})).responseCode).toBe("OK")
        }),
      { cluster }
    ))
})
