import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber, TestClock } from "effect"
import type { ScheduledTask, ScheduleStatus } from "../../../src/domain/model/index.ts"
import { notYet, pollUntil } from "../../../src/programs/aurora/wait.ts"

const t = (instanceId: number, status: ScheduleStatus) =>
  ({ assignedTask: { instanceId }, status }) as unknown as ScheduledTask

describe("waiting on tasks (the original's JobMonitor)", () => {
  it.effect(
    "with a timeout, gives up once the interval would reach 150 s (polls at 0, 2, 6, ... 254 s)",
    () =>
      Effect.gen(function* () {
        const polls: Array<number> = []
        const fiber = yield* Effect.fork(
          pollUntil({
            poll: Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => polls.push(now / 1000))),
            done: () => false,
            withTimeout: true
          })
        )
        yield* TestClock.adjust("10 minutes")
        expect(yield* Fiber.join(fiber)).toBe(false)
        expect(polls).toEqual([0, 2, 6, 14, 30, 62, 126, 254])
      })
  )

  it.effect("without a timeout, keeps polling at most every 150 s until done", () =>
    Effect.gen(function* () {
      const polls: Array<number> = []
      const fiber = yield* Effect.fork(
        pollUntil({
          poll: Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => polls.push(now / 1000))),
          done: () => polls.length >= 10,
          withTimeout: false
        })
      )
      yield* TestClock.adjust("20 minutes")
      expect(yield* Fiber.join(fiber)).toBe(true)
      expect(polls).toEqual([0, 2, 6, 14, 30, 62, 126, 254, 404, 554])
    })
  )

  it("progress names the instances not there yet, with their states", () => {
    expect(notYet("RUNNING", [t(2, "PENDING"), t(0, "RUNNING"), t(1, "ASSIGNED"), t(3, "PENDING")])).toBe(
      "Waiting for instances [1, 2, 3] to be running (2 PENDING, 1 ASSIGNED)"
    )
    expect(notYet("RUNNING", [t(0, "RUNNING"), t(1, "FAILED")])).toBeUndefined()
    expect(notYet("FINISHED", [t(0, "RUNNING"), t(1, "FINISHED")])).toBe(
      "Waiting for instances [0] to be finished (1 RUNNING)"
    )
  })
})
