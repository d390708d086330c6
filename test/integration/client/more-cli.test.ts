// `aurora job restart/add/diff/open`, `aurora task run` and `aurora-admin` as processes against an
// in-test scheduler.
import { chmodSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type FakeScheduler, startFakeScheduler } from "./fakeScheduler.ts"
import { type CliEnv, cliEnv, HELLO } from "./support.ts"

let fake: FakeScheduler
let cli: CliEnv
let config = ""

const helloTasks = () => fake.state.tasks.filter((t) => t.assignedTask.task.job.name === "hello")

beforeAll(async () => {
  fake = await startFakeScheduler()
  cli = cliEnv([{ name: "test", scheduler_uri: fake.url, proxy_url: "http://proxy.example/" }])
  mkdirSync(join(cli.dir, "agent"))
  cli.write(
    "clusters.json",
    JSON.stringify([
      {
        name: "test",
        scheduler_uri: fake.url,
        proxy_url: "http://proxy.example/",
        slave_root: join(cli.dir, "agent"),
        slave_run_directory: "latest"
      }
    ])
  )
  config = cli.write("hello.aurora", HELLO)
  const created = await cli.aurora("job", "create", "test/www-data/devel/hello", config)
  expect(created.code).toBe(0)
})

afterAll(async () => {
  await fake?.close()
  cli?.cleanup()
})

describe("aurora job (more verbs)", () => {
  it("links use proxy_url; job open prints the page", async () => {
    const r = await cli.aurora("open", "test/www-data/devel")
    expect(r.stdout).toBe("http://proxy.example/scheduler/www-data/devel\n")
    expect(r.code).toBe(0)
  })

  it("restart restarts every active instance in batches and watches them come back", async () => {
    const before = helloTasks().map((t) => t.assignedTask.taskId)
    const r = await cli.aurora(
      "job",
      "restart",
      "test/www-data/devel/hello",
      "--batch-size",
      "2",
      "--watch-secs",
      "0"
    )
    expect(r.stdout).toBe("Job test/www-data/devel/hello restarted successfully\n")
    expect(r.code).toBe(0)
    const restarts = fake.calls.filter((c) => c.tag === "restartShards").map((c) => c.payload.shardIds)
    expect(restarts).toEqual([[0, 1], [2]])
    const running = helloTasks().filter((t) => t.status === "RUNNING")
    expect(running).toHaveLength(3)
    expect(running.some((t) => before.includes(t.assignedTask.taskId))).toBe(false)
  })

  it("restart reports failure when instances keep restarting past the limit", async () => {
    // every watch poll sees a fresh task id: the instance restarted again
    let n = 0
    fake.script(
      "getTasksWithoutConfigs",
      (p) => {
        if (p.query.statuses?.length !== 1) {
          return { responseCode: "OK", result: { scheduleStatusResult: { tasks: helloTasks() } } }
        }
        const t = helloTasks().find((x) => x.assignedTask.instanceId === 0 && x.status === "RUNNING")!
        return {
          responseCode: "OK",
          result: {
            scheduleStatusResult: {
              tasks: [{ ...t, assignedTask: { ...t.assignedTask, taskId: `again-${++n}` } }]
            }
          }
        }
      },
      4
    )
    const r = await cli.aurora(
      "job",
      "restart",
      "test/www-data/devel/hello/0",
      "--watch-secs",
      "60",
      "--healthcheck-interval-seconds",
      "1"
    )
    expect(r.code).toBe(4)
    expect(r.stderr).toContain("Instance 0 is unhealthy")
    expect(r.stderr).toContain("stopped")
    expect(r.stdout).not.toContain("restarted successfully")
  })

  it("add copies an active instance; an inactive one is exit 6", async () => {
    const r = await cli.aurora("job", "add", "test/www-data/devel/hello/1", "2")
    expect(r.code).toBe(0)
    expect(fake.calls.find((c) => c.tag === "addInstances")?.payload).toEqual({
      key: { jobKey: { role: "www-data", environment: "devel", name: "hello" }, instanceId: 1 },
      count: 2
    })
    expect(
      helloTasks()
        .filter((t) => t.status === "RUNNING")
        .map((t) => t.assignedTask.instanceId)
        .sort()
    ).toEqual([0, 1, 2, 3, 4])
    const bad = await cli.aurora("job", "add", "test/www-data/devel/hello/9", "1")
    expect(bad.code).toBe(6)
    expect(bad.stderr).toContain("Invalid instance parameter: [9]")
  })

  it("diff shows instances to add, remove and update, with the textual diff", async () => {
    const changed = cli.write(
      "changed.aurora",
      HELLO.replace("echo hello", "echo bye").replace("instances = 3", "instances = 4")
    )
    const r = await cli.aurora("job", "diff", "test/www-data/devel/hello", changed)
    expect(r.code).toBe(0)
    const lines = r.stdout.split("\n")
    expect(lines[0]).toBe("This job update will:")
    expect(lines).toContain("remove instances: [4]")
    expect(lines).toContain("update instances: [0-3]")
    expect(lines).toContain("with diff:")
    expect(r.stdout).toMatch(/^< .*echo hello/m)
    expect(r.stdout).toMatch(/^> .*echo bye/m)
    expect(lines.filter((l) => l.startsWith("remove instances"))).toHaveLength(1)
    const same = await cli.aurora("job", "diff", "test/www-data/devel/hello/0-2", config)
    expect(same.stdout).toBe("This job update will:\nnot change instances: [0-2]\n")
    const broken = await cli.run("aurora", ["job", "diff", "test/www-data/devel/hello", changed], {
      DIFF_VIEWER: "no-such-diff-viewer"
    })
    expect(broken.code).toBe(4)
  })
})

describe("aurora task run", () => {
  it("runs the command in each sandbox on this machine, substituting the task's values", async () => {
    const tasks = helloTasks()
      .filter((t) => t.status === "RUNNING" && t.assignedTask.instanceId < 2)
      .sort((a, b) => a.assignedTask.instanceId - b.assignedTask.instanceId)
    for (const t of tasks)
      mkdirSync(
        join(
          cli.dir,
          "agent/slaves/a1/frameworks/f1/executors",
          `thermos-${t.assignedTask.taskId}`,
          "runs/latest/sandbox"
        ),
        { recursive: true }
      )
    const r = await cli.aurora(
      "task",
      "run",
      "test/www-data/devel/hello/0-1",
      "basename $(dirname $(pwd)); echo {{mesos.instance}} {{thermos.ports[http]}}"
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      tasks
        .map(
          (t) =>
            `localhost:  latest\nlocalhost:  ${t.assignedTask.instanceId} ${t.assignedTask.assignedPorts.http}\n`
        )
        .join("")
    )
  })

  it("reaches other hosts through ssh as the role, with the sandbox path", async () => {
    const bin = join(cli.dir, "bin")
    mkdirSync(bin, { recursive: true })
    const ssh = cli.write("bin/ssh", '#!/bin/sh\nfor a in "$@"; do echo "arg: $a"; done\n')
    chmodSync(ssh, 0o755)
    fake.state.tasks = fake.state.tasks.map((t) =>
      t.assignedTask.instanceId === 0 && t.status === "RUNNING"
        ? { ...t, assignedTask: { ...t.assignedTask, slaveHost: "far.example" } }
        : t
    )
    const t = helloTasks().find((x) => x.assignedTask.instanceId === 0 && x.status === "RUNNING")!
    const r = await cli.run(
      "aurora",
      ["run", "test/www-data/devel/hello/0", "ls", "--ssh-options", "-p 2222"],
      {
        PATH: `${bin}:${process.env.PATH}`
      }
    )
    expect(r.stdout.split("\n")).toEqual([
      "far.example:  arg: -n",
      "far.example:  arg: -q",
      "far.example:  arg: -p",
      "far.example:  arg: 2222",
      "far.example:  arg: www-data@far.example",
      `far.example:  arg: cd ${join(cli.dir, "agent")}/slaves/*/frameworks/*/executors/thermos-${t.assignedTask.taskId}/runs/latest/sandbox;ls`,
      ""
    ])
  })
})

describe("aurora-admin", () => {
  it("set_quota converts sizes to MB; bad units and wrong argument counts exit 1", async () => {
    const [ok, unit, count] = await Promise.all([
      cli.admin("set_quota", "test", "www-data", "2.5", "4g", "512000kb"),
      cli.admin("set_quota", "test", "www-data", "1", "4x", "1g"),
      cli.admin("set_quota", "test", "www-data", "1")
    ])
    expect(ok.code).toBe(0)
    expect(ok.stderr).toContain("Response from scheduler: OK (message: )")
    expect(fake.calls.find((c) => c.tag === "setQuota")?.payload).toEqual({
      ownerRole: "www-data",
      quota: { resources: [{ numCpus: 2.5 }, { ramMb: 4096 }, { diskMb: 500 }] }
    })
    expect(unit.code).toBe(1)
    expect(unit.stderr).toContain('Invalid size "4x"')
    expect(count.code).toBe(1)
    const inc = await cli.admin("increase_quota", "test", "www-data", "1", "1g", "0")
    expect(inc.code).toBe(0)
    expect(fake.calls.filter((c) => c.tag === "setQuota").at(-1)?.payload.quota.resources).toEqual([
      { numCpus: 3.5 },
      { ramMb: 5120 },
      { diskMb: 500 }
    ])
  })

  it("a non-OK answer is logged as the scheduler's response and exit 1", async () => {
    fake.script("snapshot", { responseCode: "ERROR", details: [{ message: "storage is read-only" }] }, 1)
    const r = await cli.admin("scheduler_snapshot", "test")
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("Response from scheduler: ERROR (message: storage is read-only)")
    const unknown = await cli.admin("scheduler_snapshot", "nowhere")
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain("Unknown cluster: nowhere. Known clusters: devcluster, test")
  })

  it("host maintenance: deactivate, status, drain, activate", async () => {
    const hostsFile = cli.write("hosts.txt", "h1\nh2\n")
    expect((await cli.admin("host_deactivate", "test", "--filename", hostsFile)).code).toBe(0)
    const status = await cli.admin("host_status", "test", "--hosts", "h1,h3")
    expect(status.stderr).toContain("h1 is in state: SCHEDULED")
    expect(status.stderr).toContain("h3 is in state: NONE")
    const drain = await cli.admin("host_drain", "test", "--hosts", "h2")
    expect(drain.code).toBe(0)
    expect(drain.stderr).toContain("Host h2 is drained")
    expect(fake.calls.filter((c) => c.tag === "drainHosts").map((c) => c.payload.hosts.hostNames)).toEqual([
      ["h2"]
    ])
    expect((await cli.admin("host_activate", "test", "--hosts", "h1,h2")).code).toBe(0)
    expect(fake.state.hosts.get("h2")).toBe("NONE")
    const neither = await cli.admin("host_status", "test")
    expect(neither.code).toBe(1)
    const sla = await cli.admin("sla_host_drain", "test", "--hosts", "h1", "--default_duration", "1h30m")
    expect(sla.code).toBe(0)
    expect(fake.calls.find((c) => c.tag === "slaDrainHosts")?.payload).toEqual({
      hosts: { hostNames: ["h1"] },
      defaultSlaPolicy: { percentageSlaPolicy: { percentage: 95, durationSecs: 5400 } },
      timeoutSecs: 7 * 86400
    })
  })

  it("backups, recovery and queries", async () => {
    expect((await cli.admin("scheduler_backup_now", "test")).code).toBe(0)
    const list = await cli.admin("scheduler_list_backups", "test")
    expect(list.stdout).toBe("1 available backups:\nscheduler-backup-1\n")
    const [query, refused, del] = await Promise.all([
      cli.admin(
        "query",
        "test",
        "www-data",
        "hello",
        "--shards",
        "1,2",
        "-l",
        "%role%/%name%/%instanceId% %status% %slaveHost%"
      ),
      cli.admin("query", "test", "www-data"),
      cli.admin("scheduler_delete_recovery_tasks", "test", "a,b")
    ])
    expect(query.stdout).toBe("www-data/hello/1 RUNNING localhost\nwww-data/hello/2 RUNNING localhost\n")
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("--force")
    expect(fake.calls.find((c) => c.tag === "deleteRecoveryTasks")?.payload).toEqual({
      query: { taskIds: ["a", "b"] }
    })
    expect(del.code).toBe(0)
  })

  it("get_scheduler, get_cluster_config, --bypass-leader-redirect and the built-in devcluster", async () => {
    const before = fake.headers.length
    const leader = await cli.admin("--bypass-leader-redirect", "reconcile_tasks", "test", "-b", "10")
    expect(leader.code).toBe(0)
    expect(fake.headers.slice(before).every((h) => h["bypass-leader-redirect"] === "true")).toBe(true)
    expect(fake.headers.at(-1)?.["user-agent"]).toBe("Aurora Admin")
    expect(fake.calls.find((c) => c.tag === "triggerExplicitTaskReconciliation")?.payload).toEqual({
      settings: { batchSize: 10 }
    })
    const [where, sh, dev] = await Promise.all([
      cli.admin("get_scheduler", "test"),
      cli.admin("get_cluster_config", "test", "--export"),
      cli.admin("get_cluster_config", "devcluster")
    ])
    expect(where.stdout).toBe(`Found leading scheduler at: ${fake.url}\n`)
    expect(sh.stdout).toContain(`export AURORA_CLUSTER_SCHEDULER_URI=${fake.url}\n`)
    expect(sh.stdout).toContain("export AURORA_CLUSTER_NAME=test\n")
    expect(JSON.parse(dev.stdout)).toMatchObject({
      name: "devcluster",
      scheduler_uri: "http://127.0.0.1:8081",
      slave_root: join(cli.dir, "devcluster", "agent"),
      slave_run_directory: "latest"
    })
  })

  it("help lists every command", async () => {
    const r = await cli.admin("help")
    for (const c of [
      "set_quota",
      "increase_quota",
      "host_deactivate",
      "host_activate",
      "host_status",
      "host_drain",
      "sla_host_drain",
      "scheduler_snapshot",
      "scheduler_backup_now",
      "scheduler_list_backups",
      "scheduler_stage_recovery",
      "scheduler_print_recovery_tasks",
      "scheduler_delete_recovery_tasks",
      "scheduler_commit_recovery",
      "scheduler_unload_recovery",
      "reconcile_tasks",
      "prune_tasks",
      "query",
      "get_scheduler",
      "get_cluster_config"
    ])
      expect(r.stdout).toContain(`- ${c} `)
  })
})
