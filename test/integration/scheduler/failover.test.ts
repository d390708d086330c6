// Three scheduler processes with real ZooKeeper and a three-replica log between them, driving one
// local agent: one leader, followers redirect; kill -9 the leader while jobs are being created; a new
// leader takes over with every acknowledged job, reconciles the tasks, and nothing runs twice.
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "../../../src/layers/log/process-cluster.ts"
import { ROOT, runCommand } from "../../e2e/support/devcluster.ts"
import {
  startZooKeeper,
  warnIfZooKeeperMissing,
  type ZooKeeperEnsemble,
  zooKeeperAvailable
} from "../support/zookeeper.ts"

warnIfZooKeeperMissing("scheduler failover")

const JOB_CONFIG = `import os
jobs = [Service(cluster = 'devcluster', role = 'www-data', environment = 'devel',
                name = os.getenv('JOB_NAME', 'sleeper'),
                task = Task(name = 'sleeper', processes = [Process(name = 'sleeper', cmdline = 'sleep 600')],
                            resources = Resources(cpu = 0.1, ram = 8*MB, disk = 8*MB)))]
`

interface Scheduler {
  readonly id: number
  readonly httpPort: number
  process: ChildProcess | undefined
}

const exited = (child: ChildProcess) =>
  new Promise<void>((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) ok()
    else child.once("exit", () => ok())
  })

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms))

const leaderHealth = async (port: number): Promise<number> => {
  try {
    return (await fetch(`http://127.0.0.1:${port}/leaderhealth`, { signal: AbortSignal.timeout(2000) }))
      .status
  } catch {
    return 0
  }
}

describe.skipIf(!zooKeeperAvailable.ok)("three schedulers with ZooKeeper and a replicated log", () => {
  let zk: ZooKeeperEnsemble
  let dir: string
  let agent: ChildProcess
  const schedulers: Array<Scheduler> = []
  let env: Record<string, string>
  const startScheduler = (s: Scheduler, args: ReadonlyArray<string>) => {
    const log = openSync(join(dir, `scheduler-${s.id}.log`), "a")
    s.process = spawn(process.execPath, [join(ROOT, "bin", "aurora-scheduler.mjs"), "run", ...args], {
      stdio: ["ignore", log, log]
    })
  }
  let argsOf: (id: number) => ReadonlyArray<string>
  const leaders = async () => {
    const codes = await Promise.all(schedulers.map((s) => (s.process ? leaderHealth(s.httpPort) : 0)))
    return schedulers.filter((_, i) => codes[i] === 200)
  }
  const awaitLeader = async (except?: number): Promise<Scheduler> => {
    for (let i = 0; i < 240; i++) {
      const found = (await leaders()).filter((s) => s.id !== except)
      if (found.length === 1) return found[0]
      await sleep(500)
    }
    throw new Error("no single leader emerged")
  }
  const aurora = (args: ReadonlyArray<string>, extra: Record<string, string> = {}) =>
    runCommand("aurora", args, { ...env, ...extra })
  const runningExecutors = () =>
    spawnSync("ps", ["-eo", "args"], { encoding: "utf8" })
      .stdout.split("\n")
      .filter((l) => l.includes(dir) && l.includes("thermos-executor"))

  beforeAll(async () => {
    zk = await startZooKeeper({ servers: 1 })
    dir = mkdtempSync(join(tmpdir(), "aurora-failover-"))
    const agentPort = await freePort()
    agent = spawn(
      process.execPath,
      [
        join(ROOT, "bin", "aurora-agent.mjs"),
        `--work-dir=${join(dir, "agent")}`,
        `--port=${agentPort}`,
        "--kill-grace-secs=5"
      ],
      { stdio: ["ignore", openSync(join(dir, "agent.log"), "a"), openSync(join(dir, "agent.log"), "a")] }
    )
    const logPorts = [await freePort(), await freePort(), await freePort()]
    const members = logPorts.map((p, i) => `${i}=127.0.0.1:${p}`).join(",")
    for (let id = 0; id < 3; id++) {
      const path = join(dir, `log-${id}`)
      const init = spawnSync(
        process.execPath,
        [join(ROOT, "bin", "aurora-scheduler.mjs"), "log", "initialize", "--path", path],
        {
          encoding: "utf8"
        }
      )
      expect(init.status, init.stderr).toBe(0)
      schedulers.push({ id, httpPort: await freePort(), process: undefined })
    }
    argsOf = (id: number) => [
      "--cluster_name=devcluster",
      `--http_port=${schedulers[id].httpPort}`,
      "--ip=127.0.0.1",
      "--hostname=127.0.0.1",
      `--zk_endpoints=${zk.connectString}`,
      "--zk_session_timeout=4secs",
      `--native_log_file_path=${join(dir, `log-${id}`)}`,
      `--native_log_members=${members}`,
      `--native_log_member_id=${id}`,
      "--native_log_quorum_size=2",
      `--backup_dir=${join(dir, `backups-${id}`)}`,
      `--mesos_master_address=http://127.0.0.1:${agentPort}`,
      "--enable_legacy_constraints=false"
    ]
    for (const s of schedulers) startScheduler(s, argsOf(s.id))
    const configRoot = join(dir, "config")
    mkdirSync(configRoot)
    const [zkHost, zkPort] = zk.connectString.split(",")[0].split(":")
    writeFileSync(
      join(configRoot, "clusters.json"),
      JSON.stringify([
        { name: "devcluster", zk: zkHost, zk_port: Number(zkPort), scheduler_zk_path: "/aurora/scheduler" }
      ])
    )
    writeFileSync(join(dir, "sleeper.aurora"), JOB_CONFIG)
    env = { AURORA_CONFIG_ROOT: configRoot, HOME: dir }
  }, 240_000)

  afterAll(async () => {
    for (const s of schedulers) {
      s.process?.kill("SIGKILL")
      if (s.process) await exited(s.process)
    }
    if (agent) {
      agent.kill("SIGTERM")
      await exited(agent)
    }
    spawnSync("pkill", ["-9", "-f", dir])
    await zk?.stop()
    if (dir && !process.env.FAILOVER_TRACE) rmSync(dir, { recursive: true, force: true })
    else console.log(`kept ${dir}`)
  }, 120_000)

  it("elects one leader; followers redirect leader-only requests to it", async () => {
    const leader = await awaitLeader()
    for (const s of schedulers.filter((x) => x.id !== leader.id)) {
      expect(await leaderHealth(s.httpPort)).toBe(503)
      const r = await fetch(`http://127.0.0.1:${s.httpPort}/api?x=1`, {
        method: "POST",
        redirect: "manual",
        body: "{}"
      })
      expect(r.status).toBe(307)
      expect(r.headers.get("location")).toBe(`http://127.0.0.1:${leader.httpPort}/api?x=1`)
    }
  }, 180_000)

  it("keeps every acknowledged job through kill -9 of the leader, reconciles, and runs nothing twice", async () => {
    const first = await awaitLeader()
    const acknowledged: Array<string> = []
    const create = async (name: string) => {
      const r = await aurora(
        ["job", "create", `devcluster/www-data/devel/${name}`, join(dir, "sleeper.aurora")],
        {
          JOB_NAME: name
        }
      )
      if (r.code === 0) acknowledged.push(name)
      if (process.env.FAILOVER_TRACE) console.log(name, r.code, r.stdout, r.stderr)
      return r
    }
    for (let i = 0; i < 3; i++) expect((await create(`job${i}`)).code).toBe(0)
    // Kill the leader while creates are in flight.
    const inFlight = Promise.all([create("job3"), create("job4")])
    await sleep(150)
    first.process?.kill("SIGKILL")
    await exited(first.process!)
    first.process = undefined
    await inFlight
    const second = await awaitLeader(first.id)
    expect(second.id).not.toBe(first.id)
    for (let i = 5; i < 8; i++) expect((await create(`job${i}`)).code).toBe(0)
    // The old leader comes back as a follower.
    startScheduler(first, argsOf(first.id))

    // Every acknowledged job is there, each with exactly one RUNNING task, and one executor per task.
    const deadline = Date.now() + 120_000
    let running = new Map<string, number>()
    while (Date.now() < deadline) {
      running = new Map()
      for (const name of acknowledged) {
        const r = await aurora(["job", "status", `devcluster/www-data/devel/${name}`])
        running.set(name, (r.stdout.match(/status: RUNNING/g) ?? []).length)
      }
      if ([...running.values()].every((n) => n === 1)) break
      await sleep(1000)
    }
    expect(Object.fromEntries(running)).toEqual(Object.fromEntries(acknowledged.map((n) => [n, 1])))
    const executors = runningExecutors()
    const states = JSON.parse(readFileSync(join(dir, "agent", "agent-state.json"), "utf8")) as {
      tasks: ReadonlyArray<{ taskId: string; state: string }>
    }
    const live = states.tasks.filter((t) => t.state === "TASK_RUNNING" || t.state === "TASK_STARTING")
    const perJob = new Map<string, number>()
    for (const t of live) {
      const job = /^www-data-devel-(job\d+)-/.exec(t.taskId)?.[1] ?? "?"
      perJob.set(job, (perJob.get(job) ?? 0) + 1)
    }
    for (const name of acknowledged) expect(perJob.get(name), `${name} live tasks on the agent`).toBe(1)
    expect(executors.length).toBeGreaterThanOrEqual(acknowledged.length)
  }, 300_000)
})
