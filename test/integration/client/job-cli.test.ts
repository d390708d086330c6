// The `aurora` job and quota verbs as processes against an in-test scheduler (contract test of the
// client: exit codes, stdout/stderr lines, the RPCs sent).
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type FakeScheduler, startFakeScheduler } from "./fakeScheduler.ts"
import { type CliEnv, cliEnv, HELLO } from "./support.ts"

let fake: FakeScheduler
let cli: CliEnv
let redirector: Server
let config = ""

const utc = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19)

beforeAll(async () => {
  fake = await startFakeScheduler()
  // a follower that sends every request to the leader, as a non-leading scheduler does
  redirector = createServer((req, res) => {
    req.resume()
    res.writeHead(307, { location: `${fake.url}${req.url}` }).end()
  })
  await new Promise<void>((r) => redirector.listen(0, "127.0.0.1", r))
  cli = cliEnv([
    { name: "test", scheduler_uri: fake.url },
    { name: "follower", scheduler_uri: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}` },
    { name: "down", scheduler_uri: "http://127.0.0.1:1" }
  ])
  config = cli.write("hello.aurora", HELLO)
})

afterAll(async () => {
  await fake?.close()
  await new Promise<void>((r) => (redirector ? redirector.close(() => r()) : r()))
  cli?.cleanup()
})

describe("aurora job create", () => {
  it("creates the job from the file and prints its page", async () => {
    const r = await cli.aurora("job", "create", "test/www-data/devel/hello", config)
    expect(r.stderr).toContain("Creating job hello")
    expect(r.stdout).toBe(`Job create succeeded: job url=${fake.url}/scheduler/www-data/devel/hello\n`)
    expect(r.code).toBe(0)
    const sent = fake.calls.find((c) => c.tag === "createJob")?.payload.description
    expect(sent.instanceCount).toBe(3)
    expect(sent.taskConfig.tier).toBe("preemptible")
    expect(sent.taskConfig.resources).toContainEqual({ namedPort: "http" })
    expect(fake.calls.some((c) => c.tag === "getTierConfigs")).toBe(true)
  })

  it("a refused creation prints the headline and the scheduler's message, exit 4", async () => {
    const r = await cli.aurora("create", "test/www-data/devel/hello", config)
    expect(r.code).toBe(4)
    expect(r.stderr).toContain(
      "Job creation failed due to error:\n\tJob already exists: www-data/devel/hello\n"
    )
    expect(r.stdout).toBe("")
  })

  it("refuses cron jobs (exit 4) and bad configurations (exit 3) without creating anything", async () => {
    const before = fake.calls.filter((c) => c.tag === "createJob").length
    const cron = await cli.aurora("job", "create", "test/www-data/devel/cron", config)
    expect(cron.code).toBe(4)
    expect(cron.stderr).toContain("aurora cron schedule")
    const missing = await cli.aurora("job", "create", "test/www-data/devel/nope", config)
    expect(missing.code).toBe(3)
    expect(missing.stderr).toContain("Error loading configuration: ")
    expect(missing.stderr).toContain("Could not find job test/www-data/devel/nope")
    expect(fake.calls.filter((c) => c.tag === "createJob").length).toBe(before)
  })

  it("--wait-until RUNNING waits, saying which instances are not running yet", async () => {
    fake.state.newTaskStatus = "PENDING"
    const slow = cli.write("slow.aurora", HELLO.replaceAll("'hello'", "'slow'"))
    const running = cli.aurora("job", "create", "test/www-data/devel/slow", slow, "--wait-until", "RUNNING")
    // let the client see PENDING tasks at least once, then start them
    while (
      !fake.calls.some(
        (c) => c.tag === "getTasksWithoutConfigs" && c.payload.query.jobKeys?.[0]?.name === "slow"
      )
    )
      await new Promise((r) => setTimeout(r, 100))
    fake.state.newTaskStatus = "RUNNING"
    fake.state.tasks = fake.state.tasks.map((t) =>
      t.assignedTask.task.job.name === "slow" ? { ...t, status: "RUNNING" } : t
    )
    const r = await running
    expect(r.stderr).toContain("Waiting for instances [0, 1, 2] to be running (3 PENDING)")
    expect(r.stdout).toContain("Job create succeeded")
    expect(r.code).toBe(0)
  })
})

describe("aurora job status / list", () => {
  it("prints every task of the job with its resources, ports and events (local time)", async () => {
    const r = await cli.aurora("job", "status", "test/www-data/devel/hello")
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split("\n")
    expect(lines[0]).toBe("Active tasks (3):")
    expect(lines[1]).toBe(
      "\tTask role: www-data, env: devel, name: hello, instance: 0, status: RUNNING on localhost"
    )
    expect(lines[2]).toBe("\t  CPU: 0.5 core(s), RAM: 64 MB, Disk: 64 MB, Port: http")
    expect(lines[3]).toBe("\t  assigned ports: {'http': 31000}")
    expect(lines[4]).toBe("\t  failure count: 0 (max 1)")
    expect(lines[5]).toBe("\t  events:")
    const first = fake.state.tasks.find((t) => t.assignedTask.task.job.name === "hello")!
    expect(lines[6]).toBe(`\t   ${utc(first.taskEvents[0].timestamp)} PENDING: None`)
    expect(lines.at(-1)).toBe("Inactive tasks (0):")
    expect(lines.filter((l) => l.startsWith("\tTask role")).length).toBe(3)
  })

  it("--write-json prints the job's tasks as JSON; wildcards find jobs through getJobs", async () => {
    const json = await cli.aurora("job", "status", "test/www-data/devel/hello", "--write-json")
    const parsed = JSON.parse(json.stdout)
    expect(parsed).toHaveLength(1)
    expect(parsed[0].job).toBe("test/www-data/devel/hello")
    expect(parsed[0].active.map((t: { status: string }) => t.status)).toEqual([
      "RUNNING",
      "RUNNING",
      "RUNNING"
    ])
    const list = await cli.aurora("list_jobs", "test/www-data")
    expect(list.stdout).toBe("test/www-data/devel/hello\ntest/www-data/devel/slow\n")
    const glob = await cli.aurora("job", "list", "t*/*/devel/s*")
    expect(glob.stdout).toBe("test/www-data/devel/slow\n")
    const wild = await cli.aurora("status", "test/www-data/*/sl?w")
    expect(wild.stdout).toContain("name: slow, instance: 2")
    expect(wild.stdout).not.toContain("name: hello")
  })

  it("no matching job: exit 6 in text mode, an error object in JSON mode", async () => {
    const text = await cli.aurora("job", "status", "test/www-data/devel/nope")
    expect(text.code).toBe(6)
    expect(text.stderr).toContain("Found no jobs matching test/www-data/devel/nope")
    const json = await cli.aurora("job", "status", "test/www-data/devel/nope", "--write-json")
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual({
      jobspec: "test/www-data/devel/nope",
      error: "No matching jobs found"
    })
  })

  it("bad keys are argument errors (2); unknown clusters exit 3", async () => {
    const bad = await cli.aurora("job", "status", "test/a/b/c/d")
    expect(bad.code).toBe(2)
    const unknown = await cli.aurora("job", "killall", "nowhere/r/e/n")
    expect(unknown.code).toBe(3)
    expect(unknown.stderr).toContain(
      "Unknown cluster: nowhere. Known clusters: devcluster, down, follower, test"
    )
  })
})

describe("aurora job kill / killall", () => {
  it("kill needs an instance list (exit 6)", async () => {
    const r = await cli.aurora("job", "kill", "test/www-data/devel/hello")
    expect(r.code).toBe(6)
    expect(r.stderr).toContain("use killall")
  })

  it("kills the requested active instances in batches", async () => {
    const r = await cli.aurora("kill", "test/www-data/devel/hello/0-1,7", "--batch-size", "2", "-m", "bye")
    expect(r.stdout).toBe("Successfully killed instances [0, 1]\nJob kill succeeded\n")
    expect(r.code).toBe(0)
    const kill = fake.calls.filter((c) => c.tag === "killTasks").at(-1)!.payload
    expect(kill).toEqual({
      job: { role: "www-data", environment: "devel", name: "hello" },
      instances: [0, 1],
      message: "bye"
    })
  })

  it("--strict refuses inactive instances (exit 6)", async () => {
    const r = await cli.aurora("job", "kill", "test/www-data/devel/hello/1-2", "--strict")
    expect(r.code).toBe(6)
    expect(r.stderr).toContain("Invalid instance parameter: [1]")
  })

  it("a refused kill prints the headline and messages (exit 10)", async () => {
    fake.script(
      "killTasks",
      { responseCode: "INVALID_REQUEST", details: [{ message: "nope" }, { message: "" }] },
      1
    )
    const r = await cli.aurora("job", "kill", "test/www-data/devel/hello/2")
    expect(r.code).toBe(10)
    expect(r.stderr).toContain("Kill of instances [2] failed with error:\n\tnope, Unknown error\n")
  })

  it("killall kills the rest one by one; nothing left to kill is exit 6", async () => {
    const r = await cli.aurora("killall", "test/www-data/devel/slow")
    expect(r.stdout).toBe(
      "Successfully killed instances [0]\nSuccessfully killed instances [1]\nSuccessfully killed instances [2]\nJob killall succeeded\n"
    )
    const again = await cli.aurora("job", "killall", "test/www-data/devel/slow")
    expect(again.code).toBe(6)
    expect(again.stderr).toContain("No tasks to kill found for job test/www-data/devel/slow")
  })
})

describe("aurora quota get", () => {
  it("prints the allocation and consumption, or JSON", async () => {
    fake.state.quotas.set("www-data", {
      quota: { resources: [{ numCpus: 4 }, { ramMb: 4096 }, { diskMb: 8192 }] },
      nonProdSharedConsumption: { resources: [{ numCpus: 1.5 }, { ramMb: 192 }, { diskMb: 192 }] }
    })
    const text = await cli.aurora("quota", "get", "test/www-data")
    expect(text.stdout).toBe(
      "Allocated:\n  CPU: 4.0 core(s)\n  RAM: 4096 MB\n  Disk: 8192 MB\nNon-production shared pool resources consumed:\n  CPU: 1.5 core(s)\n  RAM: 192 MB\n  Disk: 192 MB\n"
    )
    const json = await cli.aurora("get_quota", "--cluster=test", "www-data", "--write-json")
    expect(JSON.parse(json.stdout).quota.resources).toContainEqual({ ramMb: 4096 })
  })

  it("follows a follower's 307 to the leader", async () => {
    const r = await cli.aurora("quota", "get", "follower/www-data")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("RAM: 4096 MB")
  })
})

describe("reaching the scheduler", () => {
  it("a mutating call to an unreachable scheduler fails at once with exit 7", async () => {
    const r = await cli.aurora("job", "kill", "down/www-data/devel/hello/0", "--no-batching")
    expect(r.code).toBe(7)
    expect(r.stderr).toContain("killTasks")
    expect(r.stderr).toContain("http://127.0.0.1:1/api")
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it("read-only calls are retried until the time is up (exit 9)", async () => {
    const r = await cli.run("aurora", ["job", "status", "down/www-data/devel/hello"], {
      AURORA_CLIENT_MAX_WAIT_SECS: "1"
    })
    expect(r.code).toBe(9)
    expect(r.stderr).toContain("Timed out attempting to issue getTasksWithoutConfigs")
  })

  it("ERROR_TRANSIENT answers are retried after 5 s", async () => {
    fake.script("getQuota", { responseCode: "ERROR_TRANSIENT", details: [{ message: "storage busy" }] }, 1)
    const r = await cli.aurora("quota", "get", "test/www-data")
    expect(r.stderr).toContain("Connection error with scheduler: storage busy, reconnecting...")
    expect(r.stdout).toContain("Allocated:")
    expect(r.code).toBe(0)
  })

  it("401/403 is an authentication error (exit 30)", async () => {
    fake.failHttp(401, 1)
    const r = await cli.aurora("quota", "get", "test/www-data")
    expect(r.code).toBe(30)
    expect(r.stderr).toContain("Authentication failed")
  })
})
