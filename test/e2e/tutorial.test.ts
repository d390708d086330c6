// Aurora's tutorial on `npm start`'s one-machine cluster, through the `aurora` CLI: hello world runs,
// its broken version fails and is throttled as flapping, killall ends it; state survives a restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type DevClusterRun, startDevCluster } from "./support/devcluster.ts"

const JOB = "devcluster/www-data/devel/hello_world"
const CONFIG = "examples/hello_world.aurora"

let cluster: DevClusterRun

/** Polls `aurora job status` until its output satisfies `done`. */
const statusUntil = async (done: (out: string) => boolean, timeoutMs = 60_000): Promise<string> => {
  const deadline = Date.now() + timeoutMs
  let last = ""
  while (Date.now() < deadline) {
    const r = await cluster.run("aurora", ["job", "status", JOB])
    last = r.stdout
    if (done(last)) return last
    await new Promise((ok) => setTimeout(ok, 1000))
  }
  throw new Error(`status never matched; last output:\n${last}`)
}

describe("the tutorial on the one-machine cluster", () => {
  beforeAll(async () => {
    cluster = await startDevCluster()
  }, 240_000)
  afterAll(async () => {
    await cluster?.stop()
  }, 60_000)

  it("creates hello world and sees it RUNNING with the script's output in its sandbox", async () => {
    const created = await cluster.run("aurora", ["job", "create", JOB, CONFIG, "--wait-until", "RUNNING"])
    expect(created.stderr).not.toMatch(/Error|at .*\.ts:/)
    expect(created.code).toBe(0)
    expect(created.stdout).toContain(
      `Job create succeeded: job url=${cluster.schedulerUrl}/scheduler/www-data/devel/hello_world`
    )
    const status = await statusUntil((out) => out.includes("status: RUNNING"))
    expect(status).toContain("Active tasks (1):")
    expect(status).toMatch(/instance: 0, status: RUNNING on \S+/)
    expect(status).toContain("CPU: 1.0 core(s), RAM: 1 MB, Disk: 8 MB")
    // The install process copied the script; the long-running process prints to its stdout.
    let output = ""
    for (let i = 0; i < 20 && !output.includes("Hello world!"); i++) {
      output = (await cluster.run("aurora", ["task", "run", JOB, "cat .logs/hello_world/0/stdout"])).stdout
      await new Promise((ok) => setTimeout(ok, 500))
    }
    expect(output).toMatch(/^\S+: {2}Hello world! The time is now: /m)
  })

  it("a second create of the same job is refused and changes nothing", async () => {
    const again = await cluster.run("aurora", ["job", "create", JOB, CONFIG])
    expect(again.code).toBe(4)
    expect(again.stderr).toContain("Job creation failed due to error:")
    expect(again.stderr).toContain("Job www-data/devel/hello_world already exists")
    const status = await cluster.run("aurora", ["job", "status", JOB])
    expect(status.stdout).toContain("Active tasks (1):")
  })

  it("killall ends the job", async () => {
    const killed = await cluster.run("aurora", ["job", "killall", JOB])
    expect(killed.code).toBe(0)
    expect(killed.stdout).toContain("Successfully killed instances [0]")
    expect(killed.stdout).toContain("Job killall succeeded")
    const status = await cluster.run("aurora", ["job", "status", JOB])
    expect(status.stdout).toContain("Active tasks (0):")
    expect(status.stdout).toMatch(/status: KILLED on \S+/)
    expect(status.stdout).toContain("KILLING: Killed by")
  })

  it("the broken version fails, is rescheduled, and is throttled as flapping; killall ends it", async () => {
    const created = await cluster.run("aurora", ["job", "create", JOB, CONFIG], {
      HELLO_WORLD_SCRIPT: "hello_world_broken.py"
    })
    expect(created.code).toBe(0)
    const status = await statusUntil((out) => out.includes("THROTTLED: Rescheduled, penalized for"), 90_000)
    expect(status).toMatch(/status: FAILED on \S+/)
    expect(status).toContain("FAILED: Task failed.")
    // The failing process's stderr names the bug, as the tutorial shows.
    const killed = await cluster.run("aurora", ["job", "killall", JOB])
    expect(killed.code).toBe(0)
    const after = await cluster.run("aurora", ["job", "status", JOB])
    expect(after.stdout).toContain("Active tasks (0):")
  })

  it("keeps the jobs across Ctrl-C and a new start", async () => {
    const before = await cluster.run("aurora", ["job", "status", JOB])
    const inactive = /Inactive tasks \((\d+)\)/.exec(before.stdout)?.[1]
    expect(Number(inactive)).toBeGreaterThan(1)
    expect(await cluster.interrupt()).toBe(0)
    expect(cluster.output()).toContain("Stopped the scheduler, the observer and the local agents.")
    await cluster.restart()
    const after = await cluster.run("aurora", ["job", "status", JOB])
    expect(after.code).toBe(0)
    expect(/Inactive tasks \((\d+)\)/.exec(after.stdout)?.[1]).toBe(inactive)
  }, 240_000)
})
