import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import {
  activeStage,
  addFailure,
  addLost,
  addSuccess,
  applyRecord,
  emptyRunnerState,
  encodeRecord,
  exitState,
  finalizationRemaining,
  HealthCheckConfig,
  healthParams,
  healthStatus,
  initialHealth,
  interpolateDeep,
  isComplete,
  isHealthy,
  makePlanner,
  parseRecords,
  type RunnerCkpt,
  recordProbe,
  replay,
  runnable,
  setRunning,
  shouldProbe,
  terminalState,
  toLaunch,
  validateTask,
  waiting
} from "../../../src/domain/thermos/index.ts"
import { task } from "./fixtures.ts"

const p = (name: string, extra: Record<string, unknown> = {}) => ({ name, cmdline: `echo ${name}`, ...extra })

describe("validation", () => {
  it("rejects cycles, bad names, cross-set ordering and daemon predecessors", () => {
    expect(
      validateTask(
        task({ processes: [p("a"), p("b")], constraints: [{ order: ["a", "b"] }, { order: ["b", "a"] }] })
      )
    ).toEqual(["Cycles detected in the task schedule!"])
    expect(validateTask(task({ processes: [p(".hidden")] }))[0]).toMatch(/invalid process name/)
    expect(validateTask(task({ processes: [p("a/b")] }))[0]).toMatch(/invalid process name/)
    expect(
      validateTask(
        task({ processes: [p("a"), p("f", { final: true })], constraints: [{ order: ["a", "f"] }] })
      )
    ).toEqual(["Invalid process dependencies!"])
    expect(
      validateTask(
        task({ processes: [p("d", { daemon: true }), p("b")], constraints: [{ order: ["d", "b"] }] })
      )[0]
    ).toMatch(/daemon/)
    expect(
      validateTask(
        task({ processes: [p("e", { ephemeral: true }), p("b")], constraints: [{ order: ["e", "b"] }] })
      )[0]
    ).toMatch(/ephemeral/)
    expect(
      validateTask(
        task({
          processes: [p("a"), p("e", { ephemeral: true }), p("d", { daemon: true })],
          constraints: [{ order: ["a", "e"] }, { order: ["a", "d"] }]
        })
      )
    ).toEqual([])
    expect(validateTask(task({ processes: [p("a")], constraints: [{ order: ["a", "zz"] }] }))[0]).toMatch(
      /unknown process 'zz'/
    )
  })
})

describe("templates", () => {
  it("fills executor refs and reports unbound ones", () => {
    const ctx = { instance: 3, hostname: "h", taskId: "t-1", user: "u", ports: { http: 8080 } }
    expect(
      interpolateDeep({ c: "x {{mesos.instance}} {{thermos.ports[http]}} {{thermos.task_id}}" }, ctx)
    ).toEqual(Either.right({ c: "x 3 8080 t-1" }))
    expect(interpolateDeep(["{{thermos.ports[admin]}}", "{{foo}}"], ctx)).toEqual(
      Either.left(["foo", "thermos.ports[admin]"])
    )
  })
})

describe("planner", () => {
  it("orders processes and releases dependants only after success", () => {
    const t = task({ processes: [p("a"), p("b"), p("c")], constraints: [{ order: ["a", "b", "c"] }] })
    let pl = makePlanner(t, false)
    expect(runnable(pl, 0)).toEqual(["a"])
    pl = setRunning(pl, "a")
    expect(runnable(pl, 0)).toEqual([])
    pl = addSuccess(pl, "a", 10)
    expect(runnable(pl, 10)).toEqual(["b"])
  })

  it("retries a failure after min_duration, then fails at max_failures", () => {
    const t = task({ processes: [p("a", { max_failures: 2, min_duration: 1 })] })
    let pl = addFailure(setRunning(makePlanner(t, false), "a"), "a", 1000)
    expect(runnable(pl, 1500)).toEqual([])
    expect(waiting(pl, 1500)).toEqual(["a"])
    expect(runnable(pl, 2000)).toEqual(["a"])
    pl = addFailure(setRunning(pl, "a"), "a", 2000)
    expect(pl.failed.has("a")).toBe(true)
    expect(isHealthy(pl, 2000, 1)).toBe(false)
    expect(isHealthy(pl, 2000, 0)).toBe(true)
  })

  it("daemons rerun after success; ephemerals never hold the task open; losses are free", () => {
    const t = task({ processes: [p("d", { daemon: true, min_duration: 0 }), p("e", { ephemeral: true })] })
    let pl = makePlanner(t, false)
    expect(isComplete(pl)).toBe(false)
    pl = addSuccess(setRunning(pl, "d"), "d", 0)
    expect(runnable(pl, 0)).toContain("d")
    pl = addLost(pl, "d", 0)
    expect(pl.failed.size).toBe(0)
    const onlyEphemeral = makePlanner(task({ processes: [p("e", { ephemeral: true })] }), false)
    expect(isComplete(onlyEphemeral)).toBe(true)
  })

  it("caps any process at 100 terminal runs", () => {
    let pl = makePlanner(task({ processes: [p("d", { daemon: true, min_duration: 0 })] }), false)
    for (let i = 0; i < 99; i++) pl = addSuccess(pl, "d", i)
    expect(pl.failed.has("d")).toBe(false)
    pl = addSuccess(pl, "d", 100)
    expect(pl.failed.has("d")).toBe(true)
  })

  it("a failed predecessor deadlocks its dependants", () => {
    const t = task({ processes: [p("a"), p("b")], constraints: [{ order: ["a", "b"] }] })
    const pl = addFailure(setRunning(makePlanner(t, false), "a"), "a", 0)
    expect(isHealthy(pl, 0, 0)).toBe(false)
    expect(activeStage(pl, 0, 0, 0)._tag).toBe("Done")
  })

  it("respects max_concurrency", () => {
    const t = task({ processes: [p("a"), p("b"), p("c")] })
    const pl = setRunning(makePlanner(t, false), "a")
    expect(toLaunch(pl, 0, 2)).toEqual(["b"])
    expect(toLaunch(pl, 0, 0)).toEqual(["b", "c"])
  })

  it("splits regular and final processes", () => {
    const t = task({ processes: [p("a"), p("f", { final: true })] })
    expect(runnable(makePlanner(t, false), 0)).toEqual(["a"])
    expect(runnable(makePlanner(t, true), 0)).toEqual(["f"])
  })
})

describe("checkpoint replay", () => {
  const rec = (seq: number, state: string, extra: Record<string, unknown> = {}): RunnerCkpt =>
    ({ type: "process", seq, process: "hello", state, ...extra }) as RunnerCkpt

  it("rebuilds runs and keeps a failed run's return code", () => {
    const recs = [
      rec(0, "WAITING"),
      rec(1, "FORKED", { fork_time: 1, coordinator_pid: 10 }),
      rec(2, "RUNNING", { start_time: 1.1, pid: 11 }),
      rec(3, "FAILED", { stop_time: 2, return_code: 3 }),
      rec(4, "WAITING"),
      rec(5, "FORKED", { fork_time: 3, coordinator_pid: 12 })
    ]
    const text = `${recs.map(encodeRecord).join("")}{"torn`
    const s = replay(parseRecords(text))
    expect(s.processes.hello.length).toBe(2)
    expect(s.processes.hello[0]).toMatchObject({ state: "FAILED", return_code: 3, stop_time: 2, pid: 11 })
    expect(s.processes.hello[1]).toMatchObject({ run: 1, state: "FORKED", coordinator_pid: 12 })
  })

  it("rejects out-of-order and illegal transitions unless recovering", () => {
    const s = Either.getOrThrow(applyRecord(emptyRunnerState, rec(0, "WAITING")))
    expect(Either.isLeft(applyRecord(s, rec(2, "FORKED")))).toBe(true)
    expect(Either.isLeft(applyRecord(s, rec(1, "SUCCESS")))).toBe(true)
    expect(Either.getOrThrow(applyRecord(s, rec(2, "FORKED"), true))).toBe(s)
    const task = (state: string) =>
      ({ type: "task", state, timestamp_ms: 0, runner_pid: 1, runner_uid: 0 }) as RunnerCkpt
    expect(Either.isLeft(applyRecord(emptyRunnerState, task("CLEANING")))).toBe(true)
    const a = Either.getOrThrow(applyRecord(emptyRunnerState, task("ACTIVE")))
    expect(Either.isRight(applyRecord(a, task("KILLED")))).toBe(true)
    expect(Either.isLeft(applyRecord(a, task("FINALIZING")))).toBe(true)
  })
})

describe("task decisions", () => {
  it("exit codes, terminal states and finalization budget", () => {
    expect([exitState(0), exitState(2), exitState(-15)]).toEqual(["SUCCESS", "FAILED", "KILLED"])
    expect(terminalState(undefined, true)).toBe("SUCCESS")
    expect(terminalState(undefined, false)).toBe("FAILED")
    expect(terminalState("KILLED", true)).toBe("KILLED")
    expect(finalizationRemaining({ now: 5000, finalizationWaitMs: 30_000 })).toBe(Number.POSITIVE_INFINITY)
    expect(finalizationRemaining({ now: 5000, finalizationWaitMs: 30_000, cleaningAtMs: 1000 })).toBe(26_000)
    expect(
      finalizationRemaining({
        now: 5000,
        finalizationWaitMs: 30_000,
        cleaningAtMs: 1000,
        preemptionDeadlineMs: 6000
      })
    ).toBe(1000)
  })
})

describe("health checks", () => {
  const cfg = (c: Record<string, unknown>) => Schema.decodeUnknownSync(HealthCheckConfig)(c)

  it("ignores failures within the grace attempts and then needs successes", () => {
    const prm = healthParams(
      cfg({ initial_interval_secs: 2, interval_secs: 1, min_consecutive_successes: 1 })
    )
    expect(prm).toEqual({ forgiving: 2, maxAttempts: 3, minSuccesses: 1, maxFailures: 0 })
    let s = recordProbe(initialHealth, prm, false, "down")
    s = recordProbe(s, prm, false, "down")
    expect(healthStatus(s)).toBe("STARTING")
    s = recordProbe(s, prm, true, "")
    expect(healthStatus(s)).toBe("RUNNING")
    s = recordProbe(s, prm, false, "broken")
    expect(healthStatus(s)).toBe("FAILED")
    expect(s.unhealthy).toBe("broken")
  })

  it("gives up when attempts run out before RUNNING", () => {
    const prm = healthParams(cfg({ initial_interval_secs: 1, interval_secs: 1, max_consecutive_failures: 5 }))
    let s = initialHealth
    for (let i = 0; i < 10 && s.unhealthy === undefined; i++) {
      const t = shouldProbe(s, prm)
      s = t.probe ? recordProbe(t.state, prm, false, "down") : t.state
    }
    expect(healthStatus(s)).toBe("FAILED")
  })

  it("fails fast when too few attempts remain for the successes needed", () => {
    const prm = healthParams(
      cfg({
        initial_interval_secs: 1,
        interval_secs: 1,
        min_consecutive_successes: 3,
        max_consecutive_failures: 2
      })
    )
    let s = recordProbe(initialHealth, prm, false, "down")
    s = recordProbe(s, prm, true, "")
    s = recordProbe(s, prm, true, "")
    expect(s.unhealthy).toBeUndefined()
    s = recordProbe(s, prm, false, "down")
    expect(s.consecutiveFailures).toBe(1)
    expect(s.unhealthy).toBe("down")
  })
})
