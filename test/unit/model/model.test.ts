import { Either } from "effect"
import { describe, expect, it } from "vitest"
import {
  ACTIVE_STATES,
  decodeWithMessages,
  isGoodIdentifier,
  JobConfiguration,
  JobKey,
  LIVE_STATES,
  makeTaskId,
  parseJobKey,
  ScheduledTask,
  SLAVE_ASSIGNED_STATES,
  TERMINAL_STATES
} from "../../../src/domain/model/index.ts"

const taskConfig = {
  job: { role: "www-data", environment: "prod", name: "hello" },
  owner: { user: "www-data" },
  isService: true,
  priority: 0,
  maxTaskFailures: 1,
  resources: [{ numCpus: 1 }, { ramMb: 128 }, { diskMb: 128 }, { namedPort: "http" }],
  constraints: [{ name: "host", constraint: { limit: { limit: 1 } } }]
}

describe("identifiers (scheduling.md §6)", () => {
  it.each(["devel", "dev-prod", "Dev_prod-", "deV.prod", ".devprod.."])("accepts %j", (s) =>
    expect(isGoodIdentifier(s)).toBe(true)
  )
  it.each(["dev/prod", "dev prod", "/dev/prod", "///", "new\nline", "    hello world.", "", "a".repeat(256)])(
    "rejects %j",
    (s) => expect(isGoodIdentifier(s)).toBe(false)
  )
  it("parses and rejects job key strings with a message naming the part", () => {
    expect(parseJobKey("a/b/c")).toEqual({ key: { role: "a", environment: "b", name: "c" } })
    expect(parseJobKey("a/b")).toMatchObject({ error: expect.stringContaining("role/environment/name") })
    expect(parseJobKey("a/b c/d")).toMatchObject({ error: expect.stringContaining("environment") })
  })
})

describe("schemas", () => {
  it("decodes a job configuration and fills defaults", () => {
    const job = decodeWithMessages(JobConfiguration)({
      key: taskConfig.job,
      owner: taskConfig.owner,
      taskConfig,
      instanceCount: 2
    })
    expect(Either.isRight(job)).toBe(true)
    if (Either.isRight(job)) {
      expect(job.right.cronCollisionPolicy).toBe("KILL_EXISTING")
      expect(job.right.taskConfig.container).toEqual({ mesos: { volumes: [] } })
    }
  })
  it("names the field and the rule on bad input", () => {
    const bad = decodeWithMessages(JobKey)({ role: "bad role", environment: "prod" })
    expect(Either.isLeft(bad)).toBe(true)
    if (Either.isLeft(bad)) {
      expect(bad.left.some((m) => m.startsWith("role:") && m.includes("may contain only"))).toBe(true)
      expect(bad.left.some((m) => m.startsWith("name:"))).toBe(true)
    }
    const task = decodeWithMessages(ScheduledTask)({
      assignedTask: {
        taskId: "t",
        task: { ...taskConfig, maxTaskFailures: -2 },
        assignedPorts: {},
        instanceId: 0
      },
      status: "RUNNIN",
      failureCount: 0,
      timesPartitioned: 0,
      taskEvents: []
    })
    expect(Either.isLeft(task)).toBe(true)
    if (Either.isLeft(task)) {
      expect(task.left.join("\n")).toContain("assignedTask.task.maxTaskFailures")
      expect(task.left.join("\n")).toContain("status")
    }
  })
})

describe("status sets (task-lifecycle.md §1)", () => {
  it("have the spec's sizes", () => {
    expect([ACTIVE_STATES.size, SLAVE_ASSIGNED_STATES.size, LIVE_STATES.size, TERMINAL_STATES.size]).toEqual([
      10, 8, 6, 4
    ])
  })
  it("makes task ids of the spec's form", () => {
    const id = makeTaskId({ ...taskConfig, container: { mesos: { volumes: [] } } } as never, 3, "u.u")
    expect(id).toBe("www-data-prod-hello-3-u-u")
  })
})
