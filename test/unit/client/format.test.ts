import { describe, expect, it } from "vitest"
import {
  decideRetry,
  localTimestamp,
  parseSizeMb,
  quotaLines,
  RPC_MAXIMUM_WAIT_MS,
  RPC_RETRY_INTERVAL_MS,
  statusJson,
  statusLines
} from "../../../src/domain/client/index.ts"
import type { ScheduledTask, ScheduleStatus } from "../../../src/domain/model/index.ts"

const task = (
  instanceId: number,
  status: ScheduleStatus,
  extra: Partial<ScheduledTask["assignedTask"]> = {}
) =>
  ({
    assignedTask: {
      taskId: `t-${instanceId}`,
      slaveHost: "host-a",
      instanceId,
      assignedPorts: {},
      task: {
        job: { role: "www-data", environment: "prod", name: "hello" },
        owner: { user: "u" },
        isService: true,
        priority: 0,
        maxTaskFailures: 3,
        resources: [{ numCpus: 0.5 }, { ramMb: 128 }, { diskMb: 64 }, { namedPort: "http" }],
        constraints: [],
        container: { mesos: { volumes: [] } }
      },
      ...extra
    },
    status,
    failureCount: 1,
    timesPartitioned: 0,
    taskEvents: [
      { timestamp: 2000, status, message: "second" },
      { timestamp: 1000, status: "PENDING" }
    ]
  }) as ScheduledTask

const time = (ms: number) => `T${ms}`

describe("job status text (client-config.md §1.1)", () => {
  it("lists active then inactive tasks by instance, events by time, ports with the failure count", () => {
    const lines = statusLines(
      [
        task(2, "RUNNING", { assignedPorts: { http: 31000 } }),
        task(0, "FINISHED", { slaveHost: undefined }),
        task(1, "PENDING")
      ],
      time
    )
    expect(lines).toEqual([
      "Active tasks (2):",
      "\tTask role: www-data, env: prod, name: hello, instance: 1, status: PENDING on host-a",
      "\t  CPU: 0.5 core(s), RAM: 128 MB, Disk: 64 MB, Port: http",
      "\t  events:",
      "\t   T1000 PENDING: None",
      "\t   T2000 PENDING: second",
      "\tTask role: www-data, env: prod, name: hello, instance: 2, status: RUNNING on host-a",
      "\t  CPU: 0.5 core(s), RAM: 128 MB, Disk: 64 MB, Port: http",
      "\t  assigned ports: {'http': 31000}",
      "\t  failure count: 1 (max 3)",
      "\t  events:",
      "\t   T1000 PENDING: None",
      "\t   T2000 RUNNING: second",
      "Inactive tasks (1):",
      "\tTask role: www-data, env: prod, name: hello, instance: 0, status: FINISHED on None",
      "\t  CPU: 0.5 core(s), RAM: 128 MB, Disk: 64 MB, Port: http",
      "\t  events:",
      "\t   T1000 PENDING: None",
      "\t   T2000 FINISHED: second"
    ])
  })

  it("prints metadata and whole CPUs as Python floats", () => {
    const t = task(0, "RUNNING")
    const withMeta = {
      ...t,
      assignedTask: {
        ...t.assignedTask,
        task: { ...t.assignedTask.task, resources: [{ numCpus: 2 }], metadata: [{ key: "k", value: "v" }] }
      }
    }
    const lines = statusLines([withMeta], time)
    expect(lines).toContain("\t  CPU: 2.0 core(s)")
    expect(lines.slice(-3)).toEqual(["\t  metadata:", "\t\t  (key: 'k', value: 'v')", "Inactive tasks (0):"])
  })

  it("renders local time as YYYY-MM-DD HH:MM:SS", () => {
    const ms = new Date(2024, 0, 2, 3, 4, 5, 678).getTime()
    expect(localTimestamp(ms)).toBe("2024-01-02 03:04:05")
  })

  it("JSON splits active and inactive tasks", () => {
    const j = statusJson("c/r/e/n", [task(0, "KILLED"), task(1, "RUNNING")])
    expect(j.job).toBe("c/r/e/n")
    expect(j.active.map((t) => t.assignedTask.instanceId)).toEqual([1])
    expect(j.inactive.map((t) => t.status)).toEqual(["KILLED"])
  })
})

describe("quota text (client-config.md §1.4)", () => {
  it("shows the allocation and only the consumption sections present, in order", () => {
    expect(
      quotaLines({
        quota: { resources: [{ numCpus: 10 }, { ramMb: 1024 }, { diskMb: 2048 }] },
        nonProdSharedConsumption: { resources: [{ numCpus: 0.5 }, { ramMb: 64 }, { diskMb: 32 }] },
        prodSharedConsumption: { resources: [{ numCpus: 1 }, { ramMb: 128 }, { diskMb: 256 }] }
      })
    ).toEqual([
      "Allocated:",
      "  CPU: 10.0 core(s)",
      "  RAM: 1024 MB",
      "  Disk: 2048 MB",
      "Production shared pool resources consumed:",
      "  CPU: 1.0 core(s)",
      "  RAM: 128 MB",
      "  Disk: 256 MB",
      "Non-production shared pool resources consumed:",
      "  CPU: 0.5 core(s)",
      "  RAM: 64 MB",
      "  Disk: 32 MB"
    ])
  })
})

describe("admin size units", () => {
  it("reads bytes and k/kb/m/mb/g/gb/t/tb into whole MB, truncating", () => {
    expect(parseSizeMb("1048576")).toEqual({ mb: 1 })
    expect(parseSizeMb("1048575")).toEqual({ mb: 0 })
    expect(parseSizeMb("2048k")).toEqual({ mb: 2 })
    expect(parseSizeMb("2048KB")).toEqual({ mb: 2 })
    expect(parseSizeMb("5m")).toEqual({ mb: 5 })
    expect(parseSizeMb("5mb")).toEqual({ mb: 5 })
    expect(parseSizeMb("2g")).toEqual({ mb: 2048 })
    expect(parseSizeMb("2GB")).toEqual({ mb: 2048 })
    expect(parseSizeMb("1t")).toEqual({ mb: 1024 * 1024 })
    expect(parseSizeMb("1tb")).toEqual({ mb: 1024 * 1024 })
  })
  it("rejects other units and non-integers with a message naming the value", () => {
    for (const bad of ["1.5g", "10x", "g", "", "-1m"]) {
      const r = parseSizeMb(bad)
      expect("error" in r && r.error).toContain(JSON.stringify(bad))
    }
  })
})

describe("RPC retry rules (client-config.md §0.3)", () => {
  const transport = { _tag: "TransportFailed", message: "ECONNREFUSED" } as const
  const transient = { _tag: "Answered", transient: true, message: "busy" } as const

  it("a final answer ends the call", () => {
    expect(decideRetry("createJob", { _tag: "Answered", transient: false, message: "" }, 0)._tag).toBe("Done")
  })
  it("retries transport failures of read-only calls every 5 s", () => {
    expect(decideRetry("getTasksWithoutConfigs", transport, 0)).toMatchObject({
      _tag: "Retry",
      afterMs: RPC_RETRY_INTERVAL_MS
    })
    expect(decideRetry("restartShards", transport, 0)._tag).toBe("Retry")
  })
  it("fails a mutating call that cannot reach the scheduler at once with exit 7", () => {
    expect(decideRetry("createJob", transport, 0)).toMatchObject({ _tag: "Fail", exitCode: 7 })
    expect(decideRetry("killTasks", transport, 0)).toMatchObject({ _tag: "Fail", exitCode: 7 })
  })
  it("retries ERROR_TRANSIENT for any call until the 10 minutes are up, then exit 9", () => {
    expect(decideRetry("createJob", transient, 0)._tag).toBe("Retry")
    expect(decideRetry("createJob", transient, RPC_MAXIMUM_WAIT_MS - RPC_RETRY_INTERVAL_MS - 1)._tag).toBe(
      "Retry"
    )
    expect(decideRetry("createJob", transient, RPC_MAXIMUM_WAIT_MS - RPC_RETRY_INTERVAL_MS)).toMatchObject({
      _tag: "Fail",
      exitCode: 9
    })
    expect(decideRetry("getQuota", transport, 20_000, 20_000)).toMatchObject({ _tag: "Fail", exitCode: 9 })
  })
  it("authentication failures end with exit 30", () => {
    expect(decideRetry("getQuota", { _tag: "AuthFailed", message: "HTTP 401" }, 0)).toMatchObject({
      _tag: "Fail",
      exitCode: 30
    })
  })
})
