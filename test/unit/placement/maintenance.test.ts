import { describe, expect, it } from "vitest"
import type { ScheduledTask, SlaPolicy, TaskConfig } from "../../../src/domain/model/index.ts"
import {
  coordinatorRequest,
  coordinatorSaysDrain,
  decideDrain,
  drainHosts,
  endMaintenance,
  type MaintenanceState,
  markDrained,
  modeOf,
  seededRandom,
  slaAllows,
  slaDrainHosts,
  startMaintenance
} from "../../../src/domain/placement/index.ts"
import { hostAttrs, task } from "./fixtures.ts"

const state = (): MaintenanceState => ({
  hosts: new Map([
    ["a", hostAttrs("a")],
    ["b", hostAttrs("b")]
  ]),
  requests: new Map()
})

describe("maintenance modes (scheduling.md §5)", () => {
  it("start -> SCHEDULED, drain -> DRAINING/DRAINED, end -> NONE; unknown hosts are ignored", () => {
    let s = state()
    const started = startMaintenance(s, ["a", "zzz"])
    expect(started.statuses).toEqual([{ host: "a", mode: "SCHEDULED" }])
    s = started.state
    const drained = drainHosts(
      s,
      ["a", "b", "zzz"],
      (h) => (h === "a" ? ["t1", "t2", "t3"] : []),
      5,
      seededRandom(1)
    )
    expect(drained.statuses).toEqual([
      { host: "a", mode: "DRAINING" },
      { host: "b", mode: "DRAINED" }
    ])
    expect([...drained.drain].sort()).toEqual(["t1", "t2", "t3"])
    expect(drained.state.requests.get("a")).toMatchObject({ timeoutSecs: 0, createdMs: 5 })
    s = markDrained(drained.state, "a", false)
    expect(modeOf(s, "a")).toBe("DRAINED")
    expect(s.requests.has("a")).toBe(true)
    const ended = endMaintenance(s, ["a", "b"])
    expect(modeOf(ended.state, "a")).toBe("NONE")
    expect(ended.state.requests.size).toBe(0)
    expect(modeOf(ended.state, "unknown")).toBe("NONE")
  })

  it("slaDrain stores the request and sets DRAINING without draining tasks now", () => {
    const policy: SlaPolicy = { countSlaPolicy: { count: 2, durationSecs: 60 } }
    const r = slaDrainHosts(state(), ["b"], policy, 600, 1000)
    expect(r.statuses).toEqual([{ host: "b", mode: "DRAINING" }])
    expect(r.drain).toEqual([])
    expect(r.state.requests.get("b")).toEqual({
      host: "b",
      defaultSlaPolicy: policy,
      timeoutSecs: 600,
      createdMs: 1000
    })
  })
})

const NOW = 10_000_000
const mk = (
  id: string,
  status: ScheduledTask["status"],
  runningSinceMs: number,
  config: TaskConfig
): ScheduledTask => ({
  assignedTask: {
    taskId: id,
    task: config,
    assignedPorts: {},
    instanceId: Number(id.slice(1)) || 0,
    slaveHost: "a"
  },
  status,
  failureCount: 0,
  timesPartitioned: 0,
  taskEvents: [
    { timestamp: 0, status: "PENDING" },
    { timestamp: runningSinceMs, status: "RUNNING" }
  ]
})
/** n tasks of a job, `old` of which have run longer than 60 s. */
const jobOf = (n: number, old: number, config: TaskConfig) =>
  Array.from({ length: n }, (_, i) => mk(`t${i}`, "RUNNING", i < old ? NOW - 120_000 : NOW - 1000, config))

describe("SLA-aware drain decisions", () => {
  const prod = task({ tier: "preferred" })
  const count = (c: number): SlaPolicy => ({ countSlaPolicy: { count: c, durationSecs: 60 } })
  const pct = (p: number): SlaPolicy => ({ percentageSlaPolicy: { percentage: p, durationSecs: 60 } })

  it.each([
    // [policy, total, old running, subject index, expected]
    ["count 18 of 20, 19 old others", count(18), 20, 20, 0, true],
    ["count 18 of 20, 17 old others", count(18), 20, 18, 0, false],
    ["count 18 of 20, subject excluded", count(18), 20, 18, 19, true],
    ["count 20 of 20 needs total-1", count(20), 20, 20, 0, true],
    ["count 25 of 20 needs total-1 (fails)", count(25), 20, 19, 0, false],
    ["percentage 90: 18 of 20 old others", pct(90), 20, 19, 0, true],
    ["percentage 90: 17 of 20", pct(90), 20, 18, 0, false],
    ["percentage 99 is capped at (n-1)/n", pct(99), 20, 20, 0, true],
    ["percentage 0 always passes", pct(0), 20, 0, 0, true]
  ] as const)("%s", (_, policy, total, old, subject, expected) => {
    const tasks = jobOf(total, old, prod)
    expect(slaAllows(policy, tasks[subject], tasks, NOW)).toBe(expected)
  })

  const req = (policy: SlaPolicy, timeoutSecs = 3600) => ({
    host: "a",
    defaultSlaPolicy: policy,
    timeoutSecs,
    createdMs: NOW - 1000
  })

  it("no request -> skip; timeout passed -> forced", () => {
    const tasks = jobOf(20, 0, prod)
    expect(decideDrain(tasks[0], undefined, tasks, NOW)).toEqual({ _tag: "NoRequest" })
    expect(decideDrain(tasks[0], req(count(19), 0), tasks, NOW)).toEqual({ _tag: "Drain", forced: true })
  })
  it("waits when the SLA would be broken, uses the task's own policy first", () => {
    const tasks = jobOf(20, 10, prod)
    expect(decideDrain(tasks[0], req(count(19)), tasks, NOW)).toEqual({ _tag: "Wait" })
    const own = jobOf(20, 10, task({ tier: "preferred", slaPolicy: count(5) }))
    expect(decideDrain(own[0], req(count(19)), own, NOW)).toEqual({ _tag: "Drain", forced: false })
  })
  it("skips the check for non-production tiers and small jobs", () => {
    const np = jobOf(20, 0, task({ tier: "preemptible" }))
    expect(decideDrain(np[0], req(count(19)), np, NOW)).toEqual({ _tag: "Drain", forced: false })
    const small = jobOf(19, 0, prod)
    expect(decideDrain(small[0], req(count(18)), small, NOW)).toEqual({ _tag: "Drain", forced: false })
    expect(
      decideDrain(np[0], req(count(19)), np, NOW, {
        tiers: { default: "preemptible", tiers: { preemptible: { preemptible: true, revocable: false } } },
        slaAwareKillNonProd: true,
        minRequiredInstancesForSlaCheck: 20
      })
    ).toEqual({ _tag: "Wait" })
  })
  it("asks a coordinator with the task key and countdown", () => {
    const policy: SlaPolicy = { coordinatorSlaPolicy: { coordinatorUrl: "http://c/x", statusKey: "" } }
    const tasks = jobOf(2, 0, prod)
    const d = decideDrain(tasks[1], req(policy, 10), tasks, NOW)
    expect(d).toEqual({ _tag: "AskCoordinator", url: "http://c/x", statusKey: "drain", countdownMs: 9000 })
    const r = coordinatorRequest("west", tasks[1], 9000)
    expect(r.query).toBe("task=west/www/prod/hello/1")
    expect(JSON.parse(r.body)).toMatchObject({
      task: "west/www/prod/hello/1",
      forceMaintenanceCountdownMs: "9000"
    })
    expect(coordinatorSaysDrain({ drain: true }, "drain")).toBe(true)
    expect(coordinatorSaysDrain({ drain: "true" }, "drain")).toBe(false)
  })
})
