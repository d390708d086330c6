import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Fiber } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { type ProcessRun, type RunnerState, replay } from "../../../src/domain/thermos/checkpoint.ts"
import { taskPaths } from "../../../src/domain/thermos/paths.ts"
import { readCheckpoint } from "../../../src/layers/executor/checkpoint-file.ts"
import { makeRunner, type RunnerOptions } from "../../../src/layers/executor/runner.ts"
import { ProcessSpawnerNode, pidAlive } from "../../../src/layers/process/node.ts"
import { task } from "../../unit/thermos/fixtures.ts"
import { tempDir, waitFor } from "./helpers.ts"

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c()
})

const options = (json: Parameters<typeof task>[0], extra: Partial<RunnerOptions> = {}): RunnerOptions => {
  const t = tempDir()
  cleanups.push(t.cleanup)
  return {
    root: join(t.dir, "root"),
    taskId: "t1",
    task: task(json),
    sandbox: join(t.dir, "sandbox"),
    hostname: "localhost",
    user: "tester",
    ports: {},
    pollMs: 20,
    ...extra
  }
}

const runToEnd = (o: RunnerOptions) =>
  Effect.runPromise(
    makeRunner(o).pipe(
      Effect.flatMap((r) => Effect.map(r.run, (s) => ({ s, state: r.state() }))),
      Effect.provide(ProcessSpawnerNode)
    )
  )

const runs = (st: RunnerState, name: string): ReadonlyArray<ProcessRun> => st.processes[name] ?? []
const last = (st: RunnerState, name: string) => runs(st, name)[runs(st, name).length - 1]
const taskStates = (st: RunnerState) => st.statuses.map((s) => s.state)
const P = (name: string, cmdline: string, extra: Record<string, unknown> = {}) => ({
  name,
  cmdline,
  min_duration: 0,
  ...extra
})

describe("runner with real processes", () => {
  it("runs ordered processes one after the other and finishes the task", async () => {
    const o = options({
      processes: [P("a", "sleep 0.1"), P("b", "echo hello-$USER"), P("c", "true")],
      constraints: [{ order: ["a", "b", "c"] }]
    })
    const { s, state } = await runToEnd(o)
    expect(s).toBe("SUCCESS")
    expect(taskStates(state)).toEqual(["ACTIVE", "CLEANING", "FINALIZING", "SUCCESS"])
    expect(last(state, "b").start_time!).toBeGreaterThanOrEqual(last(state, "a").stop_time!)
    expect(last(state, "c").start_time!).toBeGreaterThanOrEqual(last(state, "b").stop_time!)
    expect(readFileSync(join(o.sandbox, ".logs", "b", "0", "stdout"), "utf8")).toBe("hello-tester\n")
    expect(existsSync(taskPaths(o.root, "t1").finished)).toBe(true)
    expect(existsSync(taskPaths(o.root, "t1").active)).toBe(false)
    // The checkpoint on disk replays to the same state.
    expect(replay(readCheckpoint(taskPaths(o.root, "t1").runner)).processes).toEqual(state.processes)
  })

  it("never runs more than max_concurrency processes at once", async () => {
    const o = options({
      processes: ["a", "b", "c", "d", "e"].map((n) => P(n, "sleep 0.1")),
      max_concurrency: 2
    })
    const { s, state } = await runToEnd(o)
    expect(s).toBe("SUCCESS")
    const intervals = Object.values(state.processes).map((r) => [r[0].start_time!, r[0].stop_time!] as const)
    for (const [start] of intervals) {
      const overlapping = intervals.filter(([a, b]) => a <= start && start < b).length
      expect(overlapping).toBeLessThanOrEqual(2)
    }
  })

  it("retries a failing process after min_duration up to max_failures, then fails the task", async () => {
    const o = options({ processes: [P("f", "exit 3", { max_failures: 3, min_duration: 0.2 })] })
    const { s, state } = await runToEnd(o)
    expect(s).toBe("FAILED")
    const r = runs(state, "f")
    expect(r.map((x) => [x.state, x.return_code])).toEqual([
      ["FAILED", 3],
      ["FAILED", 3],
      ["FAILED", 3]
    ])
    for (let i = 1; i < r.length; i++)
      expect(r[i].fork_time! - r[i - 1].stop_time!).toBeGreaterThanOrEqual(0.19)
  })

  it("reruns a daemon after success until the run cap, and does not wait for ephemerals", async () => {
    const d = await runToEnd(options({ processes: [P("d", "true", { daemon: true })] }, { runLimit: 3 }))
    expect(runs(d.state, "d").map((x) => x.state)).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"])
    expect(d.s).toBe("FAILED")
    const e = await runToEnd(
      options({ processes: [P("main", "sleep 0.1"), P("side", "sleep 30", { ephemeral: true })] })
    )
    expect(e.s).toBe("SUCCESS")
    expect(last(e.state, "side").state).toBe("KILLED")
    expect(pidAlive(last(e.state, "side").pid!)).toBe(false)
  })

  it("runs final processes after success and after failure, and only then", async () => {
    for (const [cmd, outcome] of [
      ["true", "SUCCESS"],
      ["exit 1", "FAILED"]
    ] as const) {
      const o = options({
        processes: [P("main", cmd), P("cleanup", "echo final >> finals.txt", { final: true })]
      })
      const { s, state } = await runToEnd(o)
      expect(s).toBe(outcome)
      expect(readFileSync(join(o.sandbox, "finals.txt"), "utf8")).toBe("final\n")
      expect(last(state, "cleanup").start_time!).toBeGreaterThanOrEqual(last(state, "main").stop_time!)
    }
  })

  it("stops final processes at the finalization deadline", async () => {
    const o = options({
      processes: [P("main", "true"), P("slow", "sleep 30", { final: true })],
      finalization_wait: 0.5
    })
    const { s, state } = await runToEnd(o)
    expect(s).toBe("SUCCESS")
    expect(last(state, "slow").state).toBe("KILLED")
    expect(pidAlive(last(state, "slow").pid!)).toBe(false)
  })

  it("kill escalates to SIGKILL for a process that ignores SIGTERM", async () => {
    const o = options({ processes: [P("stubborn", "trap '' TERM; sleep 30"), P("polite", "sleep 30")] })
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const r = yield* makeRunner(o)
        const fiber = yield* Effect.fork(r.run)
        yield* Effect.promise(() =>
          waitFor(() =>
            last(r.state(), "stubborn")?.state === "RUNNING" && last(r.state(), "polite")?.state === "RUNNING"
              ? true
              : undefined
          )
        )
        yield* r.kill(400)
        const s = yield* Fiber.join(fiber)
        return { s, state: r.state() }
      }).pipe(Effect.provide(ProcessSpawnerNode))
    )
    expect(result.s).toBe("KILLED")
    expect(last(result.state, "polite")).toMatchObject({ state: "KILLED", return_code: -15 })
    expect(last(result.state, "stubborn")).toMatchObject({ state: "KILLED", return_code: -1 })
    expect(pidAlive(last(result.state, "stubborn").pid!)).toBe(false)
    expect(taskStates(result.state)).toEqual(["ACTIVE", "ACTIVE", "CLEANING", "KILLED"])
  })

  it("a kill that arrives before a process reports RUNNING still SIGTERMs it", async () => {
    // A slow poll keeps the run FORKED (coordinator pid only, no process pid) for a while.
    const o = options({ processes: [P("late", "sleep 30")] }, { pollMs: 400 })
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const r = yield* makeRunner(o)
        const fiber = yield* Effect.fork(r.run)
        // Kill as soon as the process is forked, before its RUNNING record (and pid) arrive.
        yield* Effect.promise(() =>
          waitFor(() => (last(r.state(), "late")?.state === "FORKED" ? true : undefined))
        )
        yield* r.kill(60_000)
        const s = yield* Fiber.join(fiber).pipe(Effect.timeout("20 seconds"))
        return { s, state: r.state() }
      }).pipe(Effect.provide(ProcessSpawnerNode))
    )
    expect(result.s).toBe("KILLED")
    expect(last(result.state, "late")).toMatchObject({ state: "KILLED", return_code: -15 })
  })

  it("a restarted runner takes over a task whose runner was SIGKILLed", async () => {
    const o = options({
      processes: [P("a", "sleep 0.4"), P("b", "echo b"), P("long", "sleep 1.2")],
      constraints: [{ order: ["a", "b"] }]
    })
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(__dirname, "runner-child.ts"), JSON.stringify(o)],
      {
        stdio: "ignore"
      }
    )
    cleanups.push(() => child.kill("SIGKILL"))
    const ckpt = taskPaths(o.root, "t1").runner
    await waitFor(
      () => {
        const st = replay(readCheckpoint(ckpt))
        return last(st, "a")?.state === "RUNNING" && last(st, "long")?.state === "RUNNING" ? true : undefined
      },
      30_000,
      "first runner to start a"
    )
    child.kill("SIGKILL")
    await new Promise((r) => child.once("exit", r))
    const before = replay(readCheckpoint(ckpt))
    const longPid = last(before, "long").pid!
    expect(pidAlive(longPid)).toBe(true)
    // While no runner exists, `a` finishes: its coordinator records that.
    await waitFor(() =>
      readFileSync(taskPaths(o.root, "t1").coordinator("a"), "utf8").includes("SUCCESS") ? true : undefined
    )
    const { s, state } = await runToEnd(o)
    expect(s).toBe("SUCCESS")
    expect(runs(state, "a").map((r) => r.state)).toEqual(["SUCCESS"])
    expect(runs(state, "long").map((r) => [r.state, r.pid])).toEqual([["SUCCESS", longPid]])
    expect(runs(state, "b").map((r) => r.state)).toEqual(["SUCCESS"])
    expect(state.statuses.map((x) => x.runner_pid)).toContain(process.pid)
  })

  it("rotates logs at the logger's size, keeping its backups, and honours destinations", async () => {
    const lines = "for i in $(seq 21); do echo stdout; done; for i in $(seq 3); do echo stderr >&2; done"
    const o = options({
      processes: [
        P("rot", lines, { logger: { mode: "rotate", rotate: { log_size: 70, backups: 2 } } }),
        P("quiet", "echo hidden", { logger: { destination: "none" } }),
        P("both", "echo shown", { logger: { destination: "both" } })
      ]
    })
    const { s } = await runToEnd(o)
    expect(s).toBe("SUCCESS")
    const log = (p: string, f: string) => join(o.sandbox, ".logs", p, "0", f)
    expect(readFileSync(log("rot", "stdout"), "utf8")).toBe("stdout\n")
    expect(readFileSync(log("rot", "stdout.1"), "utf8")).toBe("stdout\n".repeat(10))
    expect(readFileSync(log("rot", "stdout.2"), "utf8")).toBe("stdout\n".repeat(10))
    expect(existsSync(log("rot", "stdout.3"))).toBe(false)
    expect(readFileSync(log("rot", "stderr"), "utf8")).toBe("stderr\n".repeat(3))
    expect(existsSync(log("quiet", "stdout"))).toBe(false)
    expect(readFileSync(log("both", "stdout"), "utf8")).toBe("shown\n")
  })

  it("rejects invalid tasks and tasks that already finished", async () => {
    const bad = options({
      processes: [P("a", "true"), P("b", "true")],
      constraints: [{ order: ["a", "b"] }, { order: ["b", "a"] }]
    })
    await expect(runToEnd(bad)).rejects.toThrow(/Cycles detected/)
    const o = options({ processes: [P("a", "true")] })
    await runToEnd(o)
    await expect(runToEnd(o)).rejects.toThrow(/TaskTerminal|finished/)
  })
})
