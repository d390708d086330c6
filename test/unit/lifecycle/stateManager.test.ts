import { describe, expect, it } from "vitest"
import {
  assignTask,
  changeState,
  deleteTasks,
  insertPendingTasks,
  PARTITIONED_LOST_MESSAGE,
  TaskWorkingSet
} from "../../../src/domain/lifecycle/index.ts"
import type { ScheduledTask } from "../../../src/domain/model/index.ts"
import { config, context, events, task } from "./fixtures.ts"

const storeOf = (...tasks: ReadonlyArray<ScheduledTask>) => {
  const m = new Map(tasks.map((t) => [t.assignedTask.taskId, t]))
  return new TaskWorkingSet((id) => m.get(id))
}

const replacements = (ws: TaskWorkingSet, of = "t0") => ws.changes().saved.filter((t) => t.ancestorId === of)

describe("changeState side effects (task-lifecycle.md §2.2, §2.4)", () => {
  it("NOOP on a duplicate update: no event, no save", () => {
    const ws = storeOf(task("RUNNING"))
    expect(changeState(ws, "t0", "RUNNING", context())).toBe("NOOP")
    expect(ws.changes().saved).toEqual([])
    expect(ws.events).toEqual([])
  })

  it("INVALID_CAS_STATE when the task is missing or in another state", () => {
    const ws = storeOf(task("RUNNING"))
    expect(changeState(ws, "t0", "LOST", context(), { casState: "ASSIGNED" })).toBe("INVALID_CAS_STATE")
    expect(changeState(ws, "nope", "LOST", context(), { casState: "ASSIGNED" })).toBe("INVALID_CAS_STATE")
    expect(ws.changes().saved).toEqual([])
  })

  it("an unknown task reported running is killed; other updates for it do nothing", () => {
    const ws = storeOf()
    expect(changeState(ws, "ghost", "RUNNING", context())).toBe("ILLEGAL_WITH_SIDE_EFFECTS")
    expect(changeState(ws, "ghost", "FAILED", context())).toBe("ILLEGAL")
    expect(ws.kills).toEqual(["ghost"])
    expect(ws.illegalTransitions).toBe(2)
  })

  it("saves the event with message and scheduler host", () => {
    const ws = storeOf(task("ASSIGNED"))
    changeState(ws, "t0", "STARTING", context(42), { message: "Initializing sandbox." })
    const saved = ws.get("t0")!
    expect(saved.status).toBe("STARTING")
    expect(saved.taskEvents.at(-1)).toEqual({
      timestamp: 42,
      status: "STARTING",
      message: "Initializing sandbox.",
      scheduler: "scheduler-host"
    })
    expect(ws.events).toEqual([{ _tag: "TaskStateChange", task: saved, oldState: "ASSIGNED" }])
  })

  it("FAILED with retries left: failures incremented, replacement PENDING with copied count and ancestor", () => {
    const ws = storeOf(task("RUNNING", { failureCount: 1 }, { maxTaskFailures: 3 }))
    expect(changeState(ws, "t0", "FAILED", context())).toBe("SUCCESS")
    expect(ws.get("t0")!.failureCount).toBe(2)
    const [replacement] = replacements(ws)
    expect(replacement).toMatchObject({
      status: "PENDING",
      failureCount: 2,
      ancestorId: "t0",
      timesPartitioned: 0
    })
    expect(replacement.assignedTask.taskId).not.toBe("t0")
    expect(replacement.assignedTask.instanceId).toBe(0)
    expect(replacement.taskEvents.map((e) => [e.status, e.message])).toEqual([["PENDING", "Rescheduled"]])
    // Nested events are posted first: the replacement's PENDING before the old task's FAILED.
    expect(ws.events.map((e) => (e._tag === "TaskStateChange" ? e.task.status : e._tag))).toEqual([
      "PENDING",
      "FAILED"
    ])
  })

  it("FAILED on the last attempt ends the instance", () => {
    const ws = storeOf(task("RUNNING", { failureCount: 2 }, { maxTaskFailures: 3 }))
    changeState(ws, "t0", "FAILED", context())
    expect(ws.get("t0")!.failureCount).toBe(3)
    expect(replacements(ws)).toEqual([])
  })

  it("assignment details are not copied to a replacement", () => {
    const assigned = task("RUNNING", { timesPartitioned: 2 })
    const ws = storeOf({
      ...assigned,
      assignedTask: { ...assigned.assignedTask, slaveHost: "h", slaveId: "a", assignedPorts: { http: 31000 } }
    })
    changeState(ws, "t0", "KILLED", context())
    const [r] = replacements(ws)
    expect(r.assignedTask.slaveHost).toBeUndefined()
    expect(r.assignedTask.slaveId).toBeUndefined()
    expect(r.assignedTask.assignedPorts).toEqual({})
    expect(r.timesPartitioned).toBe(0)
  })

  it("PENDING -> KILLING deletes the task outright", () => {
    const ws = storeOf(task("PENDING"))
    expect(changeState(ws, "t0", "KILLING", context())).toBe("SUCCESS")
    expect(ws.get("t0")).toBeUndefined()
    expect(ws.changes().deleted).toEqual(["t0"])
    expect(ws.events.map((e) => e._tag)).toEqual(["TasksDeleted"])
    expect(ws.kills).toEqual([])
  })

  it("zombie revival: a KILLING task reported RUNNING is killed again, state unchanged", () => {
    const ws = storeOf(task("KILLING"))
    expect(changeState(ws, "t0", "RUNNING", context())).toBe("ILLEGAL_WITH_SIDE_EFFECTS")
    expect(ws.get("t0")!.status).toBe("KILLING")
    expect(ws.kills).toEqual(["t0"])
  })

  it("PARTITIONED -> KILLING saves, then goes LOST with no kill and no replacement", () => {
    const ws = storeOf(task("PARTITIONED", { taskEvents: events(["RUNNING", 1], ["PARTITIONED", 2]) }))
    expect(changeState(ws, "t0", "KILLING", context())).toBe("SUCCESS")
    const t = ws.get("t0")!
    expect(t.status).toBe("LOST")
    expect(t.taskEvents.map((e) => e.status)).toEqual(["RUNNING", "PARTITIONED", "KILLING", "LOST"])
    expect(t.taskEvents.at(-1)!.message).toBe(PARTITIONED_LOST_MESSAGE)
    expect(ws.kills).toEqual([])
    expect(replacements(ws)).toEqual([])
  })

  it("PARTITIONED -> RESTARTING ends LOST with a kill and a replacement", () => {
    const ws = storeOf(task("PARTITIONED", { taskEvents: events(["RUNNING", 1], ["PARTITIONED", 2]) }))
    changeState(ws, "t0", "RESTARTING", context())
    expect(ws.get("t0")!.status).toBe("LOST")
    expect(ws.kills).toEqual(["t0"])
    expect(replacements(ws)).toHaveLength(1)
  })

  it("KILLING -> PARTITIONED -> LOST: the kill but no replacement", () => {
    const ws = storeOf(task("KILLING", { taskEvents: events(["RUNNING", 1], ["KILLING", 2]) }))
    changeState(ws, "t0", "PARTITIONED", context())
    expect(ws.get("t0")!.status).toBe("LOST")
    expect(ws.kills).toEqual(["t0"])
    expect(replacements(ws)).toEqual([])
  })

  it("counts and compacts partitions (§2.5)", () => {
    const ws = storeOf(task("RUNNING", { taskEvents: events(["RUNNING", 1]) }))
    for (let i = 0; i < 3; i++) {
      changeState(ws, "t0", "PARTITIONED", context(10 + 2 * i))
      changeState(ws, "t0", "RUNNING", context(11 + 2 * i))
    }
    changeState(ws, "t0", "PARTITIONED", context(100))
    const t = ws.get("t0")!
    expect(t.timesPartitioned).toBe(4)
    expect(t.taskEvents.map((e) => e.status)).toEqual(["RUNNING", "PARTITIONED"])
  })

  it("a flapping grandparent and parent throttle the replacement with the penalty in the message", () => {
    const grand = task("FAILED", {
      assignedTask: { ...task("FAILED").assignedTask, taskId: "g" },
      taskEvents: events(["PENDING", 0], ["RUNNING", 10], ["FAILED", 20])
    })
    const parent = task(
      "RUNNING",
      { ancestorId: "g", taskEvents: events(["PENDING", 100], ["RUNNING", 110]) },
      { isService: true }
    )
    const ws = storeOf(grand, parent)
    changeState(ws, "t0", "FAILED", context(120))
    const [r] = replacements(ws)
    expect(r.status).toBe("THROTTLED")
    // backoff(0) with r = 0.5: 30 s + round(0.5 * 30 s)
    expect(r.taskEvents[0].message).toBe("Rescheduled, penalized for 45000 ms for flapping")
  })

  it("a first-generation flap is not throttled (the one-generation lag)", () => {
    const ws = storeOf(task("RUNNING", { taskEvents: events(["RUNNING", 110]) }, { isService: true }))
    changeState(ws, "t0", "FAILED", context(120))
    expect(replacements(ws)[0].status).toBe("PENDING")
  })
})

describe("insertPendingTasks and assignTask", () => {
  it("creates PENDING tasks with failure count 0 and no message", () => {
    const ws = storeOf()
    const result = insertPendingTasks(ws, config(), [0, 1, 2], [], context())
    expect("taskIds" in result && result.taskIds).toHaveLength(3)
    for (const t of ws.changes().saved) {
      expect(t).toMatchObject({ status: "PENDING", failureCount: 0 })
      expect(t.taskEvents).toEqual([{ timestamp: 1_000_000, status: "PENDING", scheduler: "scheduler-host" }])
    }
  })

  it("refuses an empty instance set and active instance collisions, changing nothing", () => {
    const ws = storeOf()
    expect(insertPendingTasks(ws, config(), [], [], context())).toEqual({
      error: { _tag: "EmptyInstanceSet" }
    })
    expect(insertPendingTasks(ws, config(), [0, 1], [task("RUNNING"), task("FAILED")], context())).toEqual({
      error: { _tag: "InstanceIdCollision", instanceIds: [0] }
    })
    expect(ws.changes().saved).toEqual([])
  })

  it("assigns a pending task and refuses one that is not pending", () => {
    const ws = storeOf(task("PENDING"), {
      ...task("RUNNING"),
      assignedTask: { ...task("RUNNING").assignedTask, taskId: "r" }
    })
    expect(assignTask(ws, "t0", { host: "h1", agentId: "a1", ports: { http: 31337 } }, context())).toBe(
      "SUCCESS"
    )
    expect(ws.get("t0")!.assignedTask).toMatchObject({
      slaveHost: "h1",
      slaveId: "a1",
      assignedPorts: { http: 31337 }
    })
    expect(ws.get("t0")!.status).toBe("ASSIGNED")
    expect(assignTask(ws, "r", { host: "h1", agentId: "a1", ports: {} }, context())).toBe("INVALID_CAS_STATE")
  })

  it("deleteTasks removes directly and posts one TasksDeleted", () => {
    const ws = storeOf(task("FINISHED"))
    deleteTasks(ws, ["t0", "missing"])
    expect(ws.changes().deleted).toEqual(["t0"])
    expect(ws.events).toHaveLength(1)
  })
})
