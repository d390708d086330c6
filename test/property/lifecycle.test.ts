import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  changeState,
  DEFAULT_LIFECYCLE_SETTINGS,
  flappingPenaltyMs,
  type LifecycleContext,
  TaskWorkingSet
} from "../../src/domain/lifecycle/index.ts"
import {
  ACTIVE_STATES,
  ALL_STATUSES,
  type ScheduledTask,
  type ScheduleStatus,
  TERMINAL_STATES
} from "../../src/domain/model/index.ts"
import { config, task } from "../unit/lifecycle/fixtures.ts"

const statusArb = fc.constantFrom(...ALL_STATUSES)
const stepArb = fc.record({
  target: statusArb,
  /** Which live task (by index, modulo) the update is for. */
  pick: fc.nat(),
  dt: fc.integer({ min: 0, max: 600_000 }),
  r: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })
})

const configArb = fc.record({
  isService: fc.boolean(),
  maxTaskFailures: fc.integer({ min: -1, max: 4 })
})

/** Applies random status requests to a growing family of tasks, checking invariants at each step. */
const runWalk = (
  cfg: { isService: boolean; maxTaskFailures: number },
  steps: ReadonlyArray<{ target: ScheduleStatus; pick: number; dt: number; r: number }>
) => {
  const store = new Map<string, ScheduledTask>()
  const first = task("PENDING", {}, cfg)
  store.set("t0", first)
  const everTerminal = new Set<string>()
  let now = 0
  let ids = 0
  for (const step of steps) {
    now += step.dt
    const ctx: LifecycleContext = {
      now,
      schedulerHost: "h",
      settings: DEFAULT_LIFECYCLE_SETTINGS,
      random: () => step.r,
      newTaskId: () => `n${++ids}`
    }
    const keys = [...store.keys()]
    if (keys.length === 0) return
    const id = keys[step.pick % keys.length]
    const before = new Map(store)
    const ws = new TaskWorkingSet((k) => store.get(k))
    const result = changeState(ws, id, step.target, ctx)
    const { saved, deleted } = ws.changes()

    if (result === "ILLEGAL" || result === "ILLEGAL_WITH_SIDE_EFFECTS" || result === "NOOP") {
      expect(saved).toEqual([])
      expect(deleted).toEqual([])
    }
    if (result === "ILLEGAL") expect(ws.kills).toEqual([])

    for (const t of saved) {
      const tid = t.assignedTask.taskId
      const prev = before.get(tid)
      if (prev) {
        // Failure counts never decrease; terminal tasks never come back to life.
        expect(t.failureCount).toBeGreaterThanOrEqual(prev.failureCount)
        if (everTerminal.has(tid)) expect(ACTIVE_STATES.has(t.status)).toBe(false)
      } else {
        // A replacement: a new id, the dead task as ancestor, its failure count carried over.
        expect(t.ancestorId).toBe(id)
        expect(before.has(tid)).toBe(false)
        const ancestor = ws.get(id)
        expect(ancestor === undefined || TERMINAL_STATES.has(ancestor.status)).toBe(true)
        expect(t.failureCount).toBe(ancestor?.failureCount ?? t.failureCount)
        expect(["PENDING", "THROTTLED"]).toContain(t.status)
      }
      store.set(tid, t)
      if (TERMINAL_STATES.has(t.status)) everTerminal.add(tid)
    }
    for (const d of deleted) store.delete(d)
    // Only one active task per instance at a time.
    const active = [...store.values()].filter((t) => ACTIVE_STATES.has(t.status))
    expect(active.length).toBeLessThanOrEqual(1)
  }
}

describe("task lifecycle properties", () => {
  it("terminal never becomes active, failures never decrease, replacements are new and linked, ILLEGAL changes nothing", () => {
    fc.assert(
      fc.property(configArb, fc.array(stepArb, { maxLength: 60 }), (cfg, steps) => runWalk(cfg, steps)),
      { numRuns: 2000 }
    )
  })

  it("flapping penalties stay within [initial, max] when positive", () => {
    const s = DEFAULT_LIFECYCLE_SETTINGS
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 10 * 60_000 }), fc.boolean()), {
          minLength: 1,
          maxLength: 20
        }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 1,
          maxLength: 30
        }),
        (ancestors, draws) => {
          const chain = new Map<string, ScheduledTask>()
          ancestors.forEach(([ran, interrupted], i) => {
            const base = task("FAILED", {
              taskEvents: [
                { timestamp: 0, status: "RUNNING" },
                ...(interrupted ? [{ timestamp: 1, status: "RESTARTING" as const }] : []),
                { timestamp: ran, status: "FAILED" }
              ],
              ...(i + 1 < ancestors.length ? { ancestorId: `a${i + 1}` } : {})
            })
            chain.set(`a${i}`, { ...base, assignedTask: { ...base.assignedTask, taskId: `a${i}` } })
          })
          let k = 0
          const random = () => draws[k++ % draws.length]
          const leaf: ScheduledTask = { ...task("PENDING"), ancestorId: "a0" }
          const p = flappingPenaltyMs(leaf, (id) => chain.get(id), s, random)
          expect(p).toBeGreaterThanOrEqual(0)
          expect(p).toBeLessThanOrEqual(s.maxFlappingTaskDelayMs)
          if (p > 0) expect(p).toBeGreaterThanOrEqual(s.initialFlappingTaskDelayMs)
          const [ran0, int0] = ancestors[0]
          if (int0 || ran0 >= s.flappingTaskThresholdMs) expect(p).toBe(0)
        }
      ),
      { numRuns: 2000 }
    )
  })

  it("service configs always get a replacement after FAILED", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: -1, max: 5 }), (failures, max) => {
        const store = new Map([
          ["t0", task("RUNNING", { failureCount: failures }, { isService: true, maxTaskFailures: max })]
        ])
        const ws = new TaskWorkingSet((k) => store.get(k))
        changeState(ws, "t0", "FAILED", {
          now: 1,
          schedulerHost: "h",
          settings: DEFAULT_LIFECYCLE_SETTINGS,
          random: () => 0,
          newTaskId: () => "r"
        })
        expect(ws.get("r")?.failureCount).toBe(failures + 1)
        expect(config().isService).toBe(false)
      })
    )
  })
})
