import { describe, expect, it } from "vitest"
import { processRunView, type RunnerCkpt, replay, taskView } from "../../../src/domain/thermos/index.ts"

const status = (state: string, t: number): RunnerCkpt =>
  ({ type: "task", state, timestamp_ms: t, runner_pid: 1, runner_uid: 0 }) as RunnerCkpt
const proc = (process: string, seq: number, state: string, extra: Record<string, unknown> = {}): RunnerCkpt =>
  ({ type: "process", process, seq, state, ...extra }) as RunnerCkpt

describe("observer views", () => {
  it("buckets processes by their latest run and dates the current state from its first entry", () => {
    const s = replay([
      status("ACTIVE", 1_000_500),
      proc("a", 0, "WAITING"),
      proc("a", 1, "FORKED", { fork_time: 1001, coordinator_pid: 5 }),
      proc("a", 2, "RUNNING", { start_time: 1001.5, pid: 6 }),
      proc("a", 3, "SUCCESS", { stop_time: 1002, return_code: 0 }),
      proc("b", 0, "WAITING"),
      proc("b", 1, "FORKED", { fork_time: 1001, coordinator_pid: 7 }),
      proc("b", 2, "RUNNING", { start_time: 1001.5, pid: 8 }),
      proc("b", 3, "FAILED", { stop_time: 1003, return_code: 2 }),
      status("ACTIVE", 1_004_000),
      status("CLEANING", 1_005_000)
    ])
    const v = taskView("t", "web", ["a", "b", "c"], s)
    expect(v.processes).toEqual({ waiting: ["c"], running: [], success: ["a"], failed: ["b"], killed: [] })
    expect(v.launch_timestamp).toBe(1000)
    expect(v.state).toBe("CLEANING")
    expect(v.state_timestamp).toBe(1005)
    expect(processRunView(s.processes.b[0])).toEqual({
      process_name: "b",
      process_run: 0,
      state: "FAILED",
      start_time: 1001.5,
      stop_time: 1003,
      return_code: 2
    })
    // rc 0 is omitted, as in the observer.
    expect(processRunView(s.processes.a[0]).return_code).toBeUndefined()
  })
})
