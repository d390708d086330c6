import { join } from "node:path"
import { Effect, Fiber, TestClock, TestContext } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { makeRunner } from "../../../src/layers/executor/runner.ts"
import { ProcessSpawnerSimulated } from "../../../src/layers/process/simulated.ts"
import { task } from "../../unit/thermos/fixtures.ts"
import { tempDir } from "./helpers.ts"

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

/** Runs a task on simulated processes and TestClock, advancing time until the runner ends. */
const simulate = (
  json: Parameters<typeof task>[0],
  runLimit = 100,
  failSpawn: ReadonlyArray<string> = []
) => {
  const t = tempDir()
  cleanups.push(t.cleanup)
  return Effect.runPromise(
    Effect.gen(function* () {
      const r = yield* makeRunner({
        root: join(t.dir, "root"),
        taskId: "sim",
        task: task(json),
        sandbox: join(t.dir, "sandbox"),
        hostname: "h",
        user: "u",
        ports: {},
        runLimit,
        pollMs: 1000
      })
      const fiber = yield* Effect.fork(r.run)
      let simulatedMs = 0
      while (fiber.unsafePoll() === null && simulatedMs < 3_600_000) {
        yield* TestClock.adjust(1000)
        simulatedMs += 1000
      }
      return { s: yield* Fiber.join(fiber), state: r.state(), simulatedMs }
    }).pipe(Effect.provide(ProcessSpawnerSimulated({ failSpawn })), Effect.provide(TestContext.TestContext))
  )
}

describe("runner on simulated processes and TestClock", () => {
  it("pins a daemon failed at the 100-run cap, honouring min_duration between runs", async () => {
    const { s, state } = await simulate({
      processes: [{ name: "d", cmdline: "sleep 1", daemon: true, min_duration: 5 }]
    })
    const runs = state.processes.d
    expect(runs.length).toBe(100)
    expect(runs.every((r) => r.state === "SUCCESS")).toBe(true)
    for (let i = 1; i < runs.length; i++)
      expect(runs[i].fork_time! - runs[i - 1].stop_time!).toBeGreaterThanOrEqual(4)
    expect(s).toBe("FAILED")
  })

  it("retries up to max_failures = 0 (unlimited) until the cap, then fails", async () => {
    const { s, state } = await simulate(
      { processes: [{ name: "f", cmdline: "exit 2", max_failures: 0, min_duration: 0 }] },
      7
    )
    expect(state.processes.f.map((r) => r.return_code)).toEqual([2, 2, 2, 2, 2, 2, 2])
    expect(s).toBe("FAILED")
  })

  it("records a launch failure as FAILED straight from WAITING, counting toward max_failures", async () => {
    const { s, state } = await simulate(
      { processes: [{ name: "broken", cmdline: "no-such-thing", max_failures: 2, min_duration: 0 }] },
      100,
      ["no-such-thing"]
    )
    expect(state.processes.broken.map((r) => [r.state, r.seq, r.return_code])).toEqual([
      ["FAILED", 1, -1],
      ["FAILED", 3, -1]
    ])
    expect(s).toBe("FAILED")
  })
})
