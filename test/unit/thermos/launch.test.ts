import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { decodeLaunch, executorDataOf, prepareTask, resolvePorts } from "../../../src/domain/thermos/index.ts"

// The golden executor data of client-config.md §4.4 (test_thrift.py HELLO_WORLD).
const GOLDEN = `{"environment":"staging66","health_check_config":{"health_checker":{"http":{"expected_response_code":0,
"endpoint":"/health","expected_response":"ok"}},"min_consecutive_successes":1,"initial_interval_secs":15.0,
"max_consecutive_failures":0,"timeout_secs":1.0,"interval_secs":10.0},"name":"hello_world","service":false,
"max_task_failures":1,"executor_config":{"data":"","name":"AuroraExecutor"},"cron_collision_policy":"KILL_EXISTING",
"enable_hooks":false,"cluster":"smf1-test","task":{"processes":[{"daemon":false,"name":"hello_world",
"ephemeral":false,"max_failures":1,"min_duration":5,"cmdline":"echo {{mesos.instance}}","final":false}],
"name":"main","finalization_wait":30,"max_failures":1,"max_concurrency":0,"resources":{"gpu":2,"disk":67108864,
"ram":67108864,"cpu":0.1},"constraints":[]},"production":false,"role":"john_doe","metadata":[],
"lifecycle":{"http":{"graceful_shutdown_endpoint":"/quitquitquit","graceful_shutdown_wait_secs":5,"port":"health",
"shutdown_wait_secs":5,"shutdown_endpoint":"/abortabortabort"}},"priority":0}`

describe("executor data", () => {
  it("decodes the spec's golden executor data and fills in the instance", () => {
    const launch = Either.getOrThrow(
      decodeLaunch({
        taskId: "t-1",
        instanceId: 7,
        slaveHost: "agent-1",
        task: { executorConfig: { name: "AuroraExecutor", data: GOLDEN } }
      })
    )
    const data = Either.getOrThrow(executorDataOf(launch))
    expect(data.task.resources).toEqual({ cpu: 0.1, ram: 67108864, disk: 67108864, gpu: 2 })
    expect(data.lifecycle.http?.port).toBe("health")
    const p = Either.getOrThrow(prepareTask(launch, data, "john_doe", "fallback"))
    expect(p.task.processes[0].cmdline).toBe("echo 7")
    expect(p.hostname).toBe("agent-1")
    expect(p.task.name).toBe("main")
  })

  it("names the field at fault in bad executor data", () => {
    const launch = Either.getOrThrow(
      decodeLaunch({
        taskId: "t",
        executorData: { task: { processes: [{ name: "p", cmdline: "x", max_failures: -1 }] } }
      })
    )
    const r = executorDataOf(launch)
    expect(Either.isLeft(r) && r.left.join(" ")).toMatch(/task\.processes\.0\.max_failures/)
    expect(
      Either.isLeft(executorDataOf(Either.getOrThrow(decodeLaunch({ taskId: "t", executorData: "{oops" }))))
    ).toBe(true)
  })

  it("resolves announcer port aliases over assigned ports", () => {
    const announce = {
      primary_port: "http",
      portmap: { aurora: "{{primary_port}}", admin: "health", static: "8000" }
    }
    expect(resolvePorts(announce, { http: 31000, health: 31001 })).toEqual(
      Either.right({ aurora: 31000, admin: 31001, static: 8000, http: 31000, health: 31001 })
    )
    expect(Either.isLeft(resolvePorts({ primary_port: "a", portmap: { a: "b", b: "a" } }, {}))).toBe(true)
  })
})
