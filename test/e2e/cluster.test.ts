// `npm start --agents 2` (two hosts on one machine) through the CLI: a job with a host limit, quota
// refusal for a production job until quota is set, a drain that moves tasks off the drained host, and
// bad input that gets a clear error and changes nothing.
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type DevClusterRun, startDevCluster } from "./support/devcluster.ts"

let cluster: DevClusterRun

const config = (name: string, body: string): string => {
  const path = join(cluster.dir, `${name}.aurora`)
  writeFileSync(path, body)
  return path
}

const sleeper = (fields: string) => `
task = Task(name = 'sleeper', processes = [Process(name = 'sleeper', cmdline = 'sleep 600')],
            resources = Resources(cpu = 0.1, ram = 8*MB, disk = 8*MB))
jobs = [Service(cluster = 'devcluster', role = 'www-data', task = task, ${fields})]
`

interface TaskLine {
  readonly instance: number
  readonly status: string
  readonly host: string
}
const tasks = (statusOutput: string, section: "Active" | "Inactive"): Array<TaskLine> => {
  const start = statusOutput.indexOf(`${section} tasks (`)
  const end = section === "Active" ? statusOutput.indexOf("Inactive tasks (") : statusOutput.length
  return [...statusOutput.slice(start, end).matchAll(/instance: (\d+), status: (\w+) on (\S+)/g)].map(
    (m) => ({
      instance: Number(m[1]),
      status: m[2],
      host: m[3]
    })
  )
}

const until = async <A>(
  probe: () => Promise<A | undefined>,
  what: string,
  timeoutMs = 60_000
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const found = await probe()
    if (found !== undefined) return found
    await new Promise((ok) => setTimeout(ok, 1000))
  }
  throw new Error(`timed out waiting for ${what}`)
}

const status = async (job: string) => (await cluster.run("aurora", ["job", "status", job])).stdout

describe("a two-agent cluster through the CLI", () => {
  beforeAll(async () => {
    cluster = await startDevCluster({ agents: 2 })
  }, 240_000)
  afterAll(async () => {
    await cluster?.stop()
  }, 60_000)

  it("places a job with a host limit once per host and leaves the rest pending", async () => {
    const job = "devcluster/www-data/devel/limited"
    const file = config(
      "limited",
      sleeper("environment = 'devel', name = 'limited', instances = 3, constraints = {'host': 'limit:1'}")
    )
    const created = await cluster.run("aurora", ["job", "create", job, file])
    expect(created.code).toBe(0)
    const active = await until(async () => {
      const t = tasks(await status(job), "Active")
      return t.filter((x) => x.status === "RUNNING").length === 2 ? t : undefined
    }, "two RUNNING instances")
    const running = active.filter((t) => t.status === "RUNNING")
    expect(new Set(running.map((t) => t.host)).size).toBe(2)
    expect(active.filter((t) => t.status === "PENDING")).toHaveLength(1)
    expect((await cluster.run("aurora", ["job", "killall", job])).code).toBe(0)
  })

  it("refuses a production job without quota, and creates it once quota is set", async () => {
    const job = "devcluster/www-data/prod/important"
    const file = config("important", sleeper("environment = 'prod', name = 'important', production = True"))
    const refused = await cluster.run("aurora", ["job", "create", job, file])
    expect(refused.code).toBe(4)
    expect(refused.stderr).toContain("Job creation failed due to error:")
    expect(refused.stderr).toContain("Insufficient resource quota")
    expect(await status(job)).not.toContain("Active tasks")
    const quota = await cluster.run("aurora-admin", [
      "set_quota",
      "devcluster",
      "www-data",
      "1",
      "1gb",
      "1gb"
    ])
    expect(quota.code, quota.stderr).toBe(0)
    const got = await cluster.run("aurora", ["quota", "get", "devcluster/www-data"])
    expect(got.stdout).toContain("Allocated:\n  CPU: 1.0 core(s)\n  RAM: 1024 MB\n  Disk: 1024 MB")
    const created = await cluster.run("aurora", ["job", "create", job, file])
    expect(created.code, created.stderr).toBe(0)
    const consumed = await cluster.run("aurora", ["quota", "get", "devcluster/www-data"])
    expect(consumed.stdout).toContain(
      "Production shared pool resources consumed:\n  CPU: 0.1 core(s)\n  RAM: 8 MB"
    )
    expect((await cluster.run("aurora", ["job", "killall", job])).code).toBe(0)
  })

  it("drains a host: its task is replaced on the other host", async () => {
    const job = "devcluster/www-data/devel/drainme"
    const file = config("drainme", sleeper("environment = 'devel', name = 'drainme'"))
    expect((await cluster.run("aurora", ["job", "create", job, file, "--wait-until", "RUNNING"])).code).toBe(
      0
    )
    const [before] = tasks(await status(job), "Active")
    expect(before.status).toBe("RUNNING")
    const drained = await cluster.run("aurora-admin", ["host_drain", "devcluster", `--hosts=${before.host}`])
    expect(drained.code, drained.stderr).toBe(0)
    const after = await until(async () => {
      const out = await status(job)
      const active = tasks(out, "Active")
      return active.length === 1 && active[0].status === "RUNNING" && active[0].host !== before.host
        ? out
        : undefined
    }, "the task to run on the other host")
    expect(after).toContain("DRAINING")
    const hostStatus = await cluster.run("aurora-admin", [
      "host_status",
      "devcluster",
      `--hosts=${before.host}`
    ])
    expect(hostStatus.stdout + hostStatus.stderr).toContain(`${before.host} is in state: DRAINED`)
    expect(
      (await cluster.run("aurora-admin", ["host_activate", "devcluster", `--hosts=${before.host}`])).code
    ).toBe(0)
    expect((await cluster.run("aurora", ["job", "killall", job])).code).toBe(0)
  })

  it("answers bad input with a clear error and changes nothing", async () => {
    const jobsBefore = (await cluster.run("aurora", ["job", "list", "devcluster"])).stdout
    const malformed = await cluster.run("aurora", ["job", "create", "devcluster/www-data/devel", "x.aurora"])
    expect(malformed.code).toBe(2)
    expect(malformed.stderr).toMatch(/CLUSTER\/ROLE\/ENV\/NAME|job key/i)
    const unknownJob = await cluster.run("aurora", ["job", "status", "devcluster/nobody/devel/nothing"])
    expect(unknownJob.code).toBe(6)
    expect(unknownJob.stderr).toContain("Found no jobs matching devcluster/nobody/devel/nothing")
    const broken = config("broken", "jobs = [Service(cluster = 'devcluster', role = 'www-data',\n")
    const invalid = await cluster.run("aurora", ["job", "create", "devcluster/www-data/devel/broken", broken])
    expect(invalid.code).toBe(3)
    expect(invalid.stderr).toContain("broken.aurora")
    const unknownCluster = await cluster.run("aurora", ["job", "status", "nocluster/www-data/devel/x"])
    expect(unknownCluster.code).toBe(3)
    expect(unknownCluster.stderr).toContain("Unknown cluster: nocluster")
    for (const r of [malformed, unknownJob, invalid, unknownCluster]) expect(r.stderr).not.toMatch(/\n\s+at /)
    expect((await cluster.run("aurora", ["job", "list", "devcluster"])).stdout).toBe(jobsBefore)
  })
})
