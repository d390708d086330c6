import { describe, expect, it } from "vitest"
import {
  DEFAULT_RECONCILIATION_SETTINGS,
  explicitReconciliationBatches,
  flapped,
  flappingPenaltyMs,
  historyPruneDelayMs,
  jobUpdatesToPrune,
  killRetryDue,
  nextKillRetryDelayMs,
  partitionLostDelayMs,
  partitionTimeoutDue,
  perJobPruneVictims,
  reconciliationSchedule,
  DEFAULT_LIFECYCLE_SETTINGS as S,
  scheduleStatusFromMesos,
  startupScheduleDelayMs,
  statusUpdateMessage,
  throttleDelayMs,
  transientTimeoutExpired,
  truncatedBinaryBackoff,
  watchesTransientTimeout
} from "../../../src/domain/lifecycle/index.ts"
import type { ScheduledTask } from "../../../src/domain/model/index.ts"
import { events, task } from "./fixtures.ts"

const MIN = 60_000
const withId = (t: ScheduledTask, taskId: string, ancestorId?: string): ScheduledTask => ({
  ...t,
  assignedTask: { ...t.assignedTask, taskId },
  ...(ancestorId ? { ancestorId } : {})
})

describe("flapping (§3.2)", () => {
  it("an ancestor flaps when it ran for less than the threshold (strictly)", () => {
    expect(
      flapped(task("FAILED", { taskEvents: events(["RUNNING", 0], ["FAILED", 5 * MIN - 1]) }), 5 * MIN)
    ).toBe(true)
    expect(
      flapped(task("FAILED", { taskEvents: events(["RUNNING", 0], ["FAILED", 5 * MIN]) }), 5 * MIN)
    ).toBe(false)
    expect(flapped(task("FAILED", { taskEvents: events(["KILLING", 0], ["FAILED", 1]) }), 5 * MIN)).toBe(
      false
    )
    expect(flapped(task("FAILED", { taskEvents: [] }), 5 * MIN)).toBe(false)
  })

  it("a PREEMPTING ancestor can count as flapping", () => {
    expect(
      flapped(task("KILLED", { taskEvents: events(["RUNNING", 0], ["PREEMPTING", 1], ["KILLED", 2]) }), MIN)
    ).toBe(true)
  })

  it("the penalty grows along a flapping chain and is capped", () => {
    const chain = new Map<string, ScheduledTask>()
    for (let i = 0; i < 10; i++) {
      const t = task("FAILED", { taskEvents: events(["RUNNING", 0], ["FAILED", 10]) })
      chain.set(`a${i}`, withId(t, `a${i}`, i < 9 ? `a${i + 1}` : undefined))
    }
    const leaf = withId(task("PENDING"), "leaf", "a0")
    const penalty = (r: number) =>
      flappingPenaltyMs(
        leaf,
        (id) => chain.get(id),
        S,
        () => r
      )
    expect(penalty(0.5)).toBe(S.maxFlappingTaskDelayMs)
    // r = 0: backoff(0) = 30 s, then next(30 s) = 30 s repeats and ends the walk.
    expect(penalty(0)).toBe(S.initialFlappingTaskDelayMs)
    const single = flappingPenaltyMs(
      withId(task("PENDING"), "x", "a9"),
      (id) => chain.get(id),
      S,
      () => 0.999
    )
    expect(single).toBeGreaterThanOrEqual(30_000)
    expect(single).toBeLessThanOrEqual(60_000)
  })

  it("stops at a pruned ancestor and at a healthy one", () => {
    const healthy = withId(task("FAILED", { taskEvents: events(["RUNNING", 0], ["FAILED", 10 * MIN]) }), "h")
    expect(
      flappingPenaltyMs(
        withId(task("PENDING"), "x", "h"),
        () => healthy,
        S,
        () => 0.5
      )
    ).toBe(0)
    expect(
      flappingPenaltyMs(
        withId(task("PENDING"), "x", "gone"),
        () => undefined,
        S,
        () => 0.5
      )
    ).toBe(0)
  })

  it("throttle delay counts from the latest event; startup delay adds [0, 30 s)", () => {
    const parent = withId(task("FAILED", { taskEvents: events(["RUNNING", 0], ["FAILED", 10]) }), "p")
    const t = withId(task("THROTTLED", { taskEvents: events(["THROTTLED", 1000]) }), "t", "p")
    expect(
      throttleDelayMs(
        t,
        1000,
        () => parent,
        S,
        () => 0
      )
    ).toBe(30_000)
    expect(
      throttleDelayMs(
        t,
        100_000,
        () => parent,
        S,
        () => 0
      )
    ).toBe(0)
    expect(
      startupScheduleDelayMs(
        t,
        () => undefined,
        S,
        () => 0.999
      )
    ).toBeLessThan(30_000)
  })
})

describe("backoff", () => {
  it("starts at [initial, 2 x initial] and never passes the maximum", () => {
    expect(truncatedBinaryBackoff(0, 15_000, 300_000, () => 0)).toBe(15_000)
    expect(truncatedBinaryBackoff(0, 15_000, 300_000, () => 0.999)).toBe(29_985)
    expect(truncatedBinaryBackoff(200_000, 15_000, 300_000, () => 0.9)).toBe(300_000)
  })
})

describe("transient timeout and kill retry (§4.1-4.2)", () => {
  it("watches ASSIGNED, PREEMPTING, RESTARTING, KILLING, DRAINING but not STARTING", () => {
    expect(
      (["ASSIGNED", "PREEMPTING", "RESTARTING", "KILLING", "DRAINING", "STARTING", "THROTTLED"] as const).map(
        watchesTransientTimeout
      )
    ).toEqual([true, true, true, true, true, false, false])
  })
  it("times out only a task still in the recorded state", () => {
    expect(transientTimeoutExpired(task("ASSIGNED"), "ASSIGNED")).toBe(true)
    expect(transientTimeoutExpired(task("RUNNING"), "ASSIGNED")).toBe(false)
    expect(transientTimeoutExpired(undefined, "ASSIGNED")).toBe(false)
  })
  it("retries kills of KILLING tasks from 15-30 s, capped at 5 min", () => {
    expect(nextKillRetryDelayMs(0, S, () => 0.5)).toBe(22_500)
    expect(nextKillRetryDelayMs(290_000, S, () => 0.5)).toBe(300_000)
    expect(killRetryDue(task("KILLING"))).toBe(true)
    expect(killRetryDue(task("KILLED"))).toBe(false)
  })
})

describe("reconciliation (§4.3)", () => {
  it("follows the worked example: explicit at 10, 70; implicit first at 40", () => {
    const r = reconciliationSchedule({
      initialDelayMs: 10 * MIN + 59_000,
      explicitIntervalMs: 60 * MIN,
      implicitIntervalMs: 180 * MIN,
      scheduleSpreadMs: 30 * MIN,
      explicitBatchSize: 2,
      explicitBatchIntervalMs: 5_500
    })
    expect(r).toEqual({
      schedule: {
        explicitFirstMs: 10 * MIN,
        explicitEveryMs: 60 * MIN,
        implicitFirstMs: 40 * MIN,
        implicitEveryMs: 180 * MIN,
        batchIntervalMs: 5_000
      }
    })
    const negative = reconciliationSchedule({ ...DEFAULT_RECONCILIATION_SETTINGS, initialDelayMs: -1 })
    expect(negative).toEqual({ error: "reconciliation setting initialDelayMs must not be negative (got -1)" })
  })
  it("splits explicit reconciliation into delayed batches", () => {
    expect(explicitReconciliationBatches([1, 2, 3, 4, 5], 2, 5000)).toEqual([
      { delayMs: 0, tasks: [1, 2] },
      { delayMs: 5000, tasks: [3, 4] },
      { delayMs: 10000, tasks: [5] }
    ])
  })
})

describe("partitions (§4.4)", () => {
  const t = task("PARTITIONED", { taskEvents: events(["RUNNING", 0], ["PARTITIONED", 1_000]) })
  it("waits delaySecs, less time already spent when replayed at startup, or forever", () => {
    expect(partitionLostDelayMs(t, undefined, false, 5_000)).toBe(0)
    expect(partitionLostDelayMs(t, { reschedule: true, delaySecs: 10 }, false, 5_000)).toBe(10_000)
    expect(partitionLostDelayMs(t, { reschedule: true, delaySecs: 10 }, true, 5_000)).toBe(6_000)
    expect(partitionLostDelayMs(t, { reschedule: false, delaySecs: 10 }, false, 5_000)).toBeUndefined()
  })
  it("forces LOST only if the latest event is unchanged", () => {
    expect(partitionTimeoutDue(t, 1_000)).toBe(true)
    expect(partitionTimeoutDue(t, 999)).toBe(false)
  })
})

describe("history pruning (§4.5-4.6)", () => {
  it("prunes after max(minRetention, threshold - age)", () => {
    const old = task("FINISHED", { taskEvents: events(["FINISHED", 0]) })
    expect(historyPruneDelayMs(old, false, 100, S)).toBe(S.historyPruneThresholdMs)
    expect(historyPruneDelayMs(old, true, 47 * 60 * MIN, S)).toBe(60 * MIN)
    expect(historyPruneDelayMs(old, true, 60 * MIN, S)).toBe(S.historyPruneThresholdMs - 60 * MIN)
  })
  it("caps terminal tasks per job, oldest first, sparing recent ones", () => {
    const settings = { ...S, historyMaxPerJobThreshold: 2 }
    const mk = (id: string, ts: number, status: "FINISHED" | "RUNNING" = "FINISHED") =>
      withId(task(status, { taskEvents: events([status, ts]) }), id)
    const tasks = [mk("c", 3 * MIN), mk("a", 0), mk("b", MIN), mk("r", 0, "RUNNING"), mk("new", 100 * MIN)]
    expect(perJobPruneVictims(tasks, 100 * MIN, settings)).toEqual(["a", "b"])
    expect(perJobPruneVictims(tasks, 60 * MIN + 30_000, settings)).toEqual(["a"])
  })
  it("prunes expired, orphaned and excess terminal updates, never active ones", () => {
    const day = 24 * 60 * MIN
    const settings = { ...S, jobUpdateHistoryPerJobThreshold: 1 }
    const u = (
      id: string,
      jobKey: string,
      status: "ROLLED_FORWARD" | "ROLLING_FORWARD",
      created: number
    ) => ({
      id,
      jobKey,
      status,
      createdTimestampMs: created
    })
    const updates = [
      u("expired", "a/b/c", "ROLLED_FORWARD", 0),
      u("active", "a/b/c", "ROLLING_FORWARD", 0),
      u("orphan", "x/y/z", "ROLLED_FORWARD", 40 * day),
      u("newest", "a/b/c", "ROLLED_FORWARD", 40 * day),
      u("excess", "a/b/c", "ROLLED_FORWARD", 39 * day)
    ]
    expect(jobUpdatesToPrune(updates, new Set(["a/b/c"]), 41 * day, settings)).toEqual([
      "excess",
      "expired",
      "orphan"
    ])
  })
})

describe("Mesos status ingestion (§5)", () => {
  it("maps every Mesos state", () => {
    const cases: Record<string, string> = {
      TASK_STAGING: "STARTING",
      TASK_STARTING: "STARTING",
      TASK_RUNNING: "RUNNING",
      TASK_FINISHED: "FINISHED",
      TASK_FAILED: "FAILED",
      TASK_KILLED: "KILLED",
      TASK_KILLING: "KILLED",
      TASK_LOST: "LOST",
      TASK_ERROR: "LOST",
      TASK_DROPPED: "LOST",
      TASK_GONE: "LOST",
      TASK_GONE_BY_OPERATOR: "LOST",
      TASK_UNREACHABLE: "PARTITIONED",
      TASK_UNKNOWN: "PARTITIONED"
    }
    for (const [mesos, status] of Object.entries(cases))
      expect(scheduleStatusFromMesos(mesos)).toEqual({ status })
    expect(scheduleStatusFromMesos("TASK_BOGUS")).toEqual({ error: 'Unknown Mesos task state "TASK_BOGUS"' })
    expect(scheduleStatusFromMesos("toString")).toHaveProperty("error")
  })
  it("rewrites messages by reason", () => {
    expect(statusUpdateMessage(undefined, "REASON_CONTAINER_LIMITATION_MEMORY")).toBe(
      "Task used more memory than requested."
    )
    expect(statusUpdateMessage("", "REASON_CONTAINER_LIMITATION_DISK")).toBe(
      "Task used more disk than requested."
    )
    expect(statusUpdateMessage("oom", "REASON_CONTAINER_LIMITATION_MEMORY")).toBe("oom")
    expect(statusUpdateMessage("bye", "REASON_EXECUTOR_UNREGISTERED")).toBeUndefined()
    expect(statusUpdateMessage("hi", undefined)).toBe("hi")
  })
})
