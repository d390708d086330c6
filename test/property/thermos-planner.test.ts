import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  addFailure,
  addSuccess,
  isComplete,
  makePlanner,
  setRunning,
  toLaunch,
  validateTask
} from "../../src/domain/thermos/index.ts"
import { task } from "../unit/thermos/fixtures.ts"

/** Random DAG tasks: constraints only point from lower to higher index, so they are acyclic. */
const arbTask = fc
  .record({
    n: fc.integer({ min: 1, max: 8 }),
    edges: fc.array(fc.tuple(fc.nat(7), fc.nat(7)), { maxLength: 12 }),
    maxConcurrency: fc.integer({ min: 0, max: 3 }),
    outcomes: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 })
  })
  .map(({ n, edges, maxConcurrency, outcomes }) => {
    const names = Array.from({ length: n }, (_, i) => `p${i}`)
    const constraints = edges
      .filter(([a, b]) => a < n && b < n && a < b)
      .map(([a, b]) => ({ order: [names[a], names[b]] }))
    return {
      t: task({
        processes: names.map((name) => ({ name, cmdline: "true", max_failures: 2, min_duration: 0 })),
        constraints,
        max_concurrency: maxConcurrency
      }),
      outcomes
    }
  })

describe("planner properties", () => {
  it("never starts a process before its predecessors succeeded, never exceeds max_concurrency", () => {
    fc.assert(
      fc.property(arbTask, ({ t, outcomes }) => {
        expect(validateTask(t)).toEqual([])
        let pl = makePlanner(t, false)
        const succeeded = new Set<string>()
        let now = 0
        let step = 0
        const running: Array<string> = []
        while (step < 200) {
          for (const name of toLaunch(pl, now, t.max_concurrency)) {
            for (const c of t.constraints) {
              const i = c.order.indexOf(name)
              for (const before of c.order.slice(0, Math.max(0, i))) expect(succeeded.has(before)).toBe(true)
            }
            pl = setRunning(pl, name)
            running.push(name)
          }
          if (t.max_concurrency > 0) expect(pl.running.size).toBeLessThanOrEqual(t.max_concurrency)
          const done = running.shift()
          if (done === undefined) break
          now += 1
          if (outcomes[step % outcomes.length]) {
            pl = addSuccess(pl, done, now)
            succeeded.add(done)
          } else pl = addFailure(pl, done, now)
          step++
        }
        // Nothing left to run means every process ended finished or failed (or is blocked by a failure).
        if (pl.failed.size === 0) expect(isComplete(pl)).toBe(true)
      }),
      { numRuns: 300 }
    )
  })
})
