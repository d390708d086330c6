import { describe, expect, it } from "vitest"
import {
  flattenFields,
  formatTaskLine,
  parseDurationSecs,
  shellQuote
} from "../../../src/domain/client/index.ts"
import type { ScheduledTask } from "../../../src/domain/model/index.ts"
import { formatRanges } from "../../../src/programs/aurora/job-diff.ts"
import { sandboxPath, substituteTask } from "../../../src/programs/aurora/task.ts"

const task = {
  assignedTask: {
    taskId: "www-data-prod-hello-3-abc",
    slaveHost: "h",
    instanceId: 3,
    assignedPorts: { http: 31001, admin: 31002 },
    task: {
      job: { role: "www-data", environment: "prod", name: "hello" },
      executorConfig: { name: "AuroraExecutor", data: "{}" }
    }
  },
  status: "RUNNING"
} as unknown as ScheduledTask

describe("task run helpers (client-config.md §1.6)", () => {
  it("builds the Mesos sandbox path; locally the root is globbed for sibling agents", () => {
    expect(sandboxPath("/var/lib/mesos/", "latest", "t-1", false)).toBe(
      "/var/lib/mesos/slaves/*/frameworks/*/executors/thermos-t-1/runs/latest/sandbox"
    )
    expect(sandboxPath("/d/agent", "latest", "t-1", true, true)).toBe(
      "/d/agent*/slaves/*/frameworks/*/executors/thermos-t-1/runs/latest"
    )
  })
  it("substitutes the instance, the task id and assigned ports; unknown ports stay", () => {
    expect(
      substituteTask(
        "{{mesos.instance}} {{thermos.task_id}} {{thermos.ports[http]}} {{thermos.ports[nope]}}",
        task
      )
    ).toBe("3 www-data-prod-hello-3-abc 31001 {{thermos.ports[nope]}}")
  })
})

describe("aurora-admin helpers", () => {
  it("query lines: the first field of a name wins (the job's name, not the executor's)", () => {
    expect(flattenFields(task).name).toBe("hello")
    expect(formatTaskLine("%role%/%name%/%instanceId% %status% %slaveHost% %bogus%", task)).toBe(
      "www-data/hello/3 RUNNING h %bogus%"
    )
  })
  it("durations XdYhZmWs", () => {
    expect(parseDurationSecs("30m")).toEqual({ secs: 1800 })
    expect(parseDurationSecs("1d2h3m4s")).toEqual({ secs: 86400 + 7200 + 180 + 4 })
    expect(parseDurationSecs("7d")).toEqual({ secs: 604800 })
    expect("error" in parseDurationSecs("3x")).toBe(true)
    expect("error" in parseDurationSecs("")).toBe(true)
    expect("error" in parseDurationSecs("5m1h")).toBe(true)
  })
  it("shell quoting for get_cluster_config --sh", () => {
    expect(shellQuote("http://h:8081/x")).toBe("http://h:8081/x")
    expect(shellQuote("it's here")).toBe(`'it'"'"'s here'`)
  })
})

describe("diff ranges", () => {
  it("runs of consecutive ids", () => {
    expect(formatRanges([5, 0, 1, 2, 7, 8])).toBe("[0-2], [5], [7-8]")
  })
})
