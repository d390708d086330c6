import { execFile } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CORPUS } from "./corpusHost.ts"

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "bin", "aurora.mjs")

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}
const aurora = (args: ReadonlyArray<string>, cwd = CORPUS): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })

let dir = ""
const runs = new Map<string, Promise<Run>>()
const run = (name: string) => runs.get(name)!

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "aurora-cli-test-"))
  writeFileSync(
    join(dir, "two.aurora"),
    `p = Process(name = 'p', cmdline = 'line one\\nline two {{x}}')
t = SequentialTask(processes = [p, Process(name = 'q', cmdline = 'q', daemon = True, final = True)],
                   resources = Resources(cpu = 1, ram = 8 * MB, disk = 8 * MB))
base = Job(cluster = 'c', role = 'r', environment = 'e', task = t, instances = 3, contact = 'me@x',
           cron_schedule = '*/5 * * * *', constraints = {'host': 'limit:1'}, partition_policy = PartitionPolicy())
jobs = [base(name = 'a'), base(name = '{{n}}')]
`
  )
  writeFileSync(join(dir, "broken.aurora"), "jobs = [\n")
  // start every invocation at once: each pays the runtime's start-up cost, so run them side by side
  const specs: Record<string, ReadonlyArray<string>> = {
    inspect: ["job", "inspect", "c/r/e/a", join(dir, "two.aurora"), "--bind", "x=X"],
    raw: ["job", "inspect", "--raw", "devcluster/www-data/devel/hello_world", "hello_world.aurora"],
    writeJson: [
      "job",
      "inspect",
      "--write-json",
      "devcluster/www-data/devel/hello_json",
      "hello.json",
      "--read-json"
    ],
    list: ["config", "list", join(dir, "two.aurora"), "--bind", "n=bound"],
    listBroken: ["config", "list", join(dir, "broken.aurora")],
    listMissing: ["config", "list", join(dir, "missing.aurora")],
    inspectMissing: ["job", "inspect", "c/r/e/a", join(dir, "missing.aurora")],
    noMatch: ["job", "inspect", "c/r/e/zzz", join(dir, "two.aurora")],
    badKey: ["job", "inspect", "c/r/e", join(dir, "two.aurora")],
    alias: ["inspect", "c/r/e/a", join(dir, "two.aurora"), "-E", "x=X"]
  }
  for (const [name, args] of Object.entries(specs)) runs.set(name, aurora(args))
})

afterAll(async () => {
  await Promise.all(runs.values())
  rmSync(dir, { recursive: true, force: true })
})

describe("aurora client", () => {
  it("job inspect prints the pretty form", async () => {
    const r = await run("inspect")
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(r.stdout.split("\n")).toEqual([
      "Job level information",
      "  name:       'a'",
      "  role:       'r'",
      "  contact:    'me@x'",
      "  cluster:    'c'",
      "  instances:  '3'",
      "  cron:",
      "    schedule: '*/5 * * * *'",
      "    policy:   'KILL_EXISTING'",
      "  constraints:",
      "    'host': 'limit:1'",
      "  partition_policy:",
      "    reschedule: True",
      "    delay_secs: '0'",
      "  service:    False",
      "  production: False",
      "",
      "Task level information",
      "  name: 'p'",
      "  constraints:",
      "  p < q",
      "",
      "Process 'p':",
      "  cmdline:",
      "    line one",
      "    line two X",
      "",
      "Process 'q':",
      "  daemon",
      "  final",
      "  cmdline:",
      "    q",
      "",
      ""
    ])
  })

  it("job inspect --raw prints the JobConfiguration with executor data", async () => {
    const r = await run("raw")
    expect(r.code).toBe(0)
    const conf = JSON.parse(r.stdout)
    expect(conf.key).toEqual({ role: "www-data", environment: "devel", name: "hello_world" })
    expect(conf.taskConfig.isService).toBe(true)
    expect(
      JSON.parse(conf.taskConfig.executorConfig.data).task.processes.map((p: { name: string }) => p.name)
    ).toEqual(["fetch_package", "hello_world"])
  })

  it("job inspect --write-json prints the whole job, including instances", async () => {
    const r = await run("writeJson")
    expect(r.code).toBe(0)
    const job = JSON.parse(r.stdout)
    expect(job.instances).toBe(2)
    expect(job.update_config.watch_secs).toBe(45)
  })

  it("config list prints job keys with bindings applied", async () => {
    const r = await run("list")
    expect(r.code).toBe(0)
    expect(r.stdout).toBe("jobs=[c/r/e/a, c/r/e/bound]\n")
  })

  it("exits with the spec's codes and one clear message", async () => {
    const broken = await run("listBroken")
    expect(broken.code).toBe(4)
    expect(broken.stderr).toMatch(/^Error loading configuration file: .*broken\.aurora:2:1: SyntaxError: /)
    const missing = await run("listMissing")
    expect([missing.code, missing.stderr]).toEqual([
      4,
      `Error loading configuration file: Could not load resource ${join(dir, "missing.aurora")}\n`
    ])
    const missingInspect = await run("inspectMissing")
    expect(missingInspect.code).toBe(3)
    expect(missingInspect.stderr).toMatch(/^Error loading configuration: Could not load resource /)
    const none = await run("noMatch")
    expect(none.code).toBe(3)
    expect(none.stderr).toBe(
      "Error loading configuration: Could not find job c/r/e/zzz\nCandidates are:\n  c/r/e/a\n  c/r/e/{{n}}\n"
    )
    const bad = await run("badKey")
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/Invalid job key "c\/r\/e"/)
    expect(bad.stderr).not.toMatch(/at .*\.ts:\d+/)
  })

  it("accepts the old verb-only alias and -E for --bind", async () => {
    const [alias, inspect] = await Promise.all([run("alias"), run("inspect")])
    expect(alias.code).toBe(0)
    expect(alias.stdout).toBe(inspect.stdout)
  })
})
