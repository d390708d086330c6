import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { afterEach, describe, expect, it } from "vitest"
import { replay } from "../../../src/domain/thermos/checkpoint.ts"
import { readCheckpoint } from "../../../src/layers/executor/checkpoint-file.ts"
import { tempDir, waitFor } from "./helpers.ts"

const bin = (name: string) => join(__dirname, "..", "..", "..", "bin", `${name}.mjs`)
const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c()
})

const thermos = (args: ReadonlyArray<string>, cwd: string) => {
  const r = spawnSync(process.execPath, [bin("thermos"), ...args], { cwd, encoding: "utf8", timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const background = (args: ReadonlyArray<string>, cwd: string): ChildProcess => {
  const child = spawn(process.execPath, [bin("thermos"), ...args], { cwd, stdio: "ignore" })
  cleanups.push(() => child.kill("SIGKILL"))
  return child
}

describe("thermos CLI", () => {
  it("runs a JSON task with -P and -E, then shows its status and log", () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    writeFileSync(
      join(t.dir, "task.json"),
      JSON.stringify({
        name: "demo",
        processes: [
          {
            name: "a",
            cmdline: "echo port={{thermos.ports[http]}} foo=$FOO id={{thermos.task_id}}",
            min_duration: 0
          },
          { name: "b", cmdline: "true", min_duration: 0 }
        ],
        constraints: [{ order: ["a", "b"] }]
      })
    )
    const common = ["--root", "root"]
    const run = thermos(
      [
        "run",
        ...common,
        "--sandbox",
        "sb",
        "--task_id",
        "demo-1",
        "-P",
        "http:8080",
        "-E",
        "FOO=bar",
        "task.json"
      ],
      t.dir
    )
    expect(run.stdout).toContain("Task demo-1 finished: SUCCESS")
    expect(run.code).toBe(0)
    const unbound = thermos(["run", ...common, "--sandbox", "sb", "--task_id", "demo-2", "task.json"], t.dir)
    expect(unbound.stderr).toContain("ERROR!  Unbound ports: http")
    expect(unbound.code).not.toBe(0)
    const status = thermos(["status", ...common, "--verbosity", "3"], t.dir)
    expect(status.stdout).toMatch(/Finished tasks:\n {2}Task ID: demo-1/)
    expect(status.stdout).toMatch(/a\s+1\s+\d+\s+0 .* SUCCESS/)
    expect(thermos(["tail", ...common, "demo-1", "a"], t.dir).stdout).toBe("port=8080 foo=bar id=demo-1\n")
    const none = thermos(["status", "--root", "nowhere"], t.dir)
    expect(none.stderr).toContain("No tasks found.")
    expect(none.code).toBe(1)
    expect(thermos(["run", "--root", "root", "missing.json"], t.dir).stderr).toMatch(
      /Could not read config missing\.json/
    )
  })

  it("kills a running task from its checkpoint", async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    writeFileSync(
      join(t.dir, "long.json"),
      JSON.stringify({ processes: [{ name: "sleeper", cmdline: "sleep 60" }] })
    )
    const runner = background(
      ["run", "--root", "root", "--sandbox", "sb", "--task_id", "long-1", "long.json"],
      t.dir
    )
    const ckpt = join(t.dir, "root", "checkpoints", "long-1", "runner")
    await waitFor(
      () => (replay(readCheckpoint(ckpt)).processes.sleeper?.[0]?.state === "RUNNING" ? true : undefined),
      30_000
    )
    const kill = thermos(["kill", "--root", "root", "long"], t.dir)
    expect(kill.stdout).toContain("Killing long-1...done.")
    await waitFor(() => (runner.exitCode !== null || runner.signalCode !== null ? true : undefined))
    const status = thermos(["status", "--root", "root", "--verbosity", "3"], t.dir)
    expect(status.stdout).toMatch(/Finished tasks:/)
    expect(status.stdout).toMatch(/state: KILLED/)
    expect(status.stdout).toMatch(/sleeper .* -9 .* KILLED/)
    expect(thermos(["kill", "--root", "root", "long"], t.dir).stdout).toContain("No active tasks matched.")
  })
})

describe("thermos-executor program", () => {
  it("takes the task on stdin, reports JSON lines on stdout and obeys a kill line", async () => {
    const t = tempDir()
    cleanups.push(t.cleanup)
    const child = spawn(
      process.execPath,
      [bin("thermos-executor"), "--sandbox", join(t.dir, "sandbox"), "--preemption-wait-secs", "1"],
      {
        stdio: ["pipe", "pipe", "inherit"]
      }
    )
    cleanups.push(() => child.kill("SIGKILL"))
    const updates: Array<{ state: string; message: string; taskId: string }> = []
    createInterface({ input: child.stdout! }).on("line", (l) => updates.push(JSON.parse(l)))
    const launch = {
      taskId: "exec-1",
      instanceId: 0,
      executorData: {
        role: "r",
        environment: "e",
        name: "j",
        task: { name: "main", processes: [{ name: "p", cmdline: "sleep 60" }] }
      }
    }
    child.stdin!.write(`${JSON.stringify(launch)}\n`)
    await waitFor(() => (updates.some((u) => u.state === "TASK_RUNNING") ? true : undefined), 30_000)
    child.stdin!.write("kill\n")
    const code = await new Promise((r) => child.once("exit", r))
    expect(code).toBe(0)
    expect(updates.map((u) => u.state)).toEqual(["TASK_STARTING", "TASK_RUNNING", "TASK_KILLED"])
    expect(updates.every((u) => u.taskId === "exec-1")).toBe(true)
  })
})
