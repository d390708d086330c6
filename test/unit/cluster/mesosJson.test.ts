import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { decodeLaunch, executorDataOf } from "../../../src/domain/thermos/launch.ts"
import {
  type MesosOffer,
  offerFromMesos,
  offerToMesos,
  statusFromMesos,
  taskInfoFromLaunch
} from "../../../src/layers/cluster/mesosJson.ts"
import { taskConfig } from "../../integration/cluster/contract.ts"

const mesosOffer: MesosOffer = {
  id: { value: "O1" },
  framework_id: { value: "F1" },
  agent_id: { value: "S1" },
  hostname: "host-a",
  resources: [
    { name: "cpus", type: "SCALAR", scalar: { value: 3 }, role: "*" },
    { name: "cpus", type: "SCALAR", scalar: { value: 1 }, role: "*", revocable: {} },
    { name: "cpus", type: "SCALAR", scalar: { value: 8 }, role: "reserved-for-someone" },
    { name: "mem", type: "SCALAR", scalar: { value: 2048 } },
    { name: "ports", type: "RANGES", ranges: { range: [{ begin: 31000, end: 31009 }] } }
  ],
  attributes: [
    { name: "rack", type: "TEXT", text: { value: "r1" } },
    { name: "zone", type: "SET", set: { item: ["a", "b"] } },
    { name: "zone", type: "TEXT", text: { value: "c" } }
  ],
  unavailability: { start: { nanoseconds: 5_000_000_000 }, duration: { nanoseconds: 60_000_000_000 } }
}

describe("Mesos JSON conversion", () => {
  it("reads an offer as placement sees it: unreserved resources, revocable flag, merged attributes", () => {
    const o = offerFromMesos(mesosOffer)
    expect(o).toEqual({
      id: "O1",
      agentId: "S1",
      host: "host-a",
      resources: [
        { name: "cpus", scalar: 3 },
        { name: "cpus", scalar: 1, revocable: true },
        { name: "mem", scalar: 2048 },
        { name: "ports", ranges: [{ begin: 31000, end: 31009 }] }
      ],
      attributes: [
        { name: "rack", values: ["r1"] },
        { name: "zone", values: ["a", "b", "c"] }
      ],
      unavailability: { startMs: 5000, durationMs: 60_000 }
    })
  })

  it("round-trips an agent's offer", () => {
    const o = offerFromMesos(mesosOffer)
    const plain = { ...o, resources: o.resources.filter((r) => r.revocable !== true) }
    const { unavailability: _, ...rest } = plain
    expect(offerFromMesos(offerToMesos(rest, "F1"))).toEqual(rest)
  })

  it("builds Aurora's TaskInfo: executor thermos-<task id>, resources, the task in data for thermos-executor", () => {
    const info = taskInfoFromLaunch(
      { taskId: "t-1", config: taskConfig("echo hi"), host: "host-a", agentId: "S1", ports: { http: 31001 } },
      { command: "/usr/bin/thermos_executor" }
    )
    expect(info.executor?.executor_id.value).toBe("thermos-t-1")
    expect(info.executor?.command?.value).toBe("/usr/bin/thermos_executor")
    expect(info.resources.find((r) => r.name === "cpus")?.scalar?.value).toBe(0.1)
    expect(info.resources.find((r) => r.name === "ports")?.ranges?.range).toEqual([
      { begin: 31001, end: 31001 }
    ])
    expect(info.executor?.resources?.find((r) => r.name === "mem")?.scalar?.value).toBe(128)
    const launch = decodeLaunch(JSON.parse(Buffer.from(info.data ?? "", "base64").toString("utf8")))
    expect(Either.isRight(launch)).toBe(true)
    if (Either.isRight(launch)) {
      expect(launch.right.assignedPorts).toEqual({ http: 31001 })
      expect(launch.right.slaveHost).toBe("host-a")
      const data = executorDataOf(launch.right)
      expect(Either.isRight(data) && data.right.task.processes[0].cmdline).toBe("echo hi")
    }
  })

  it("reads a task status with its time in seconds", () => {
    expect(
      statusFromMesos({
        task_id: { value: "t" },
        state: "TASK_RUNNING",
        agent_id: { value: "S1" },
        timestamp: 1700000000.25,
        uuid: "abc="
      })
    ).toEqual({ taskId: "t", state: "TASK_RUNNING", agentId: "S1", timestamp: 1700000000250, uuid: "abc=" })
  })
})
