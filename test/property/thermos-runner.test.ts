import { join } from "node:path"
import { Effect, Fiber, TestClock, TestContext } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { replay } from "../../src/domain/thermos/checkpoint.ts"
import { taskPaths } from "../../src/domain/thermos/paths.ts"
import { readCheckpoint } from "../../src/layers/executor/checkpoint-file.ts"
import { makeRunner } from "../../src/layers/executor/runner.ts"
import { ProcessSpawnerSimulated } from "../../src/layers/process/simulated.ts"
import { tempDir } from "../integration/thermos/helpers.ts"
import { task } from "../unit/thermos/fixtures.ts"

/** Random DAG tasks of simulated processes (`sleep S; exit N`), run to the end on TestClock. */
const arbTask = fc
  .record({
    procs: fc.array(
      fc.record({
        secs: fc.constantFrom(0.5, 1, 2),
        rc: fc.constantFrom(0, 0, 0, 1),
        minDuration: fc.constantFrom(0, 1)
      }),
      { minLength: 1, maxLength: 6 }
    ),
    edges: fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { maxLength: 8 }),
    maxConcurrency: fc.integer({ min: 0, max: 3 })
  })
  .map(({ procs, edges, maxConcurrency }) => ({
    processes: procs.map((p, i) => ({
      name: `p${i}`,
      cmdline: `sleep ${p.secs}; exit ${p.rc}`,
      max_failures: 2,
      min_duration: p.minDuration
    })),
    constraints: edges
      .filter(([a, b]) => a < b && b < procs.length)
      .map(([a, b]) => ({ order: [`p${a}`, `p${b}`] })),
    max_concurrency: maxConcurrency,
    max_failures: 0
  }))

const runSimulated = (json: Parameters<typeof task>[0]) => {
  const t = tempDir()
  return Effect.runPromise(
    Effect.gen(function* () {
      const root = join(t.dir, "root")
      const r = yield* makeRunner({
        root,
        taskId: "p",
        task: task(json),
        sandbox: join(t.dir, "sb"),
        hostname: "h",
        user: "u",
        ports: {},
        pollMs: 250
      })
      const fiber = yield* Effect.fork(r.run)
      for (let i = 0; i < 2000 && fiber.unsafePoll() === null; i++) yield* TestClock.adjust(250)
      const s = yield* Fiber.join(fiber)
      return { s, state: r.state(), disk: replay(readCheckpoint(taskPaths(root, "p").runner)) }
    }).pipe(
      Effect.provide(ProcessSpawnerSimulated()),
      Effect.provide(TestContext.TestContext),
      Effect.ensuring(Effect.sync(t.cleanup))
    )
  )
}

describe("runner properties (simulated processes)", () => {
  it("respects ordering and max_concurrency, bounds retries, and its checkpoint replays to its state", async () => {
    await fc.assert(
      fc.asyncProperty(arbTask, async (json) => {
        const { s, state, disk } = await runSimulated(json)
        expect(["SUCCESS", "FAILED"]).toContain(s)
        expect(disk).toEqual(state)
        const runs = Object.values(state.processes).flat()
        for (const c of json.constraints) {
          const before = state.processes[c.order[0]] ?? []
          const lastBefore = before[before.length - 1]
          for (const r of state.processes[c.order[1]] ?? []) {
            expect(lastBefore?.state).toBe("SUCCESS")
            expect(r.fork_time!).toBeGreaterThanOrEqual(lastBefore.stop_time!)
          }
        }
        if (json.max_concurrency > 0)
          for (const r of runs) {
            const overlapping = runs.filter(
              (x) => x.fork_time! <= r.fork_time! && r.fork_time! < x.stop_time!
            ).length
            expect(overlapping).toBeLessThanOrEqual(json.max_concurrency)
          }
        for (const [name, rs] of Object.entries(state.processes)) {
          expect(rs.filter((r) => r.state === "FAILED").length).toBeLessThanOrEqual(2)
          const p = json.processes.find((x) => x.name === name)!
          for (let i = 1; i < rs.length; i++)
            expect(rs[i].fork_time! - rs[i - 1].stop_time!).toBeGreaterThanOrEqual(p.min_duration)
        }
      }),
      { numRuns: 30 }
    )
  }, 120_000)
})
