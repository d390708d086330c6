import { describe, expect, it } from "vitest"
import {
  applyDurable,
  emptyReplica,
  initNode,
  type PaxosConfig,
  step,
  validateQuorum
} from "../../../src/domain/paxos/index.ts"

const solo = (autoInitialize: boolean): PaxosConfig => ({
  id: 0,
  members: [0],
  quorum: 1,
  autoInitialize,
  retryMs: 10,
  maxRounds: 16
})
const data = (s: string) => ({ _tag: "Data", data: s }) as const

describe("paxos node", () => {
  it("a one-replica log with quorum 1 appends and learns in one step, persisting before acking", () => {
    const node = initNode(solo(false), emptyReplica<string>("VOTING"), 0, 1)
    const ready = step(node, { _tag: "Append", id: 7, values: [data("a"), data("b")] })
    expect(ready.send).toEqual([])
    expect(ready.results).toEqual([{ _tag: "Appended", id: 7, positions: [1, 2] }])
    expect(ready.learned.map((l) => l.value)).toEqual([data("a"), data("b")])
    const disk = emptyReplica<string>("VOTING")
    for (const rec of ready.persist) applyDurable(disk, rec)
    expect([...disk.actions.values()].filter((a) => a.learned).map((a) => a.value)).toEqual([
      data("a"),
      data("b")
    ])
  })

  it("restarts from its records and keeps appending after the last position", () => {
    const disk = emptyReplica<string>("VOTING")
    const a = initNode(solo(false), emptyReplica<string>("VOTING"), 0, 1)
    for (const rec of step(a, { _tag: "Append", id: 1, values: [data("x")] }).persist) applyDurable(disk, rec)
    const b = initNode(solo(false), disk, 0, 2)
    const ready = step(b, { _tag: "Append", id: 2, values: [data("y")] })
    expect(ready.results).toEqual([{ _tag: "Appended", id: 2, positions: [2] }])
  })

  it("an EMPTY replica without auto-initialization refuses appends and stays EMPTY", () => {
    const node = initNode(solo(false), emptyReplica<string>("EMPTY"), 0, 1)
    expect(step(node, { _tag: "Append", id: 1, values: [data("x")] }).results).toEqual([
      { _tag: "AppendFailed", id: 1, reason: "NotVoting" }
    ])
    step(node, { _tag: "Tick", now: 100 })
    expect(node.replica.status).toBe("EMPTY")
  })

  it("auto-initialization takes a lone EMPTY replica through STARTING to VOTING", () => {
    const node = initNode(solo(true), emptyReplica<string>("EMPTY"), 0, 1)
    const first = step(node, { _tag: "Tick", now: 100 })
    expect(first.events).toEqual([{ _tag: "StatusChanged", status: "STARTING" }])
    step(node, { _tag: "Tick", now: 200 })
    expect(node.replica.status).toBe("VOTING")
  })

  it("with auto-initialization an append waits for the replica to vote, then succeeds", () => {
    const node = initNode(solo(true), emptyReplica<string>("EMPTY"), 0, 1)
    expect(step(node, { _tag: "Append", id: 1, values: [data("x")] }).results).toEqual([])
    step(node, { _tag: "Tick", now: 100 })
    const ready = step(node, { _tag: "Tick", now: 200 })
    expect(ready.results).toEqual([{ _tag: "Appended", id: 1, positions: [1] }])
  })

  it("a learned truncate drops the positions below it", () => {
    const node = initNode(solo(false), emptyReplica<string>("VOTING"), 0, 1)
    step(node, { _tag: "Append", id: 1, values: [data("a"), data("b"), data("c")] })
    step(node, { _tag: "Append", id: 2, values: [{ _tag: "Truncate", to: 3 }] })
    expect(node.replica.begin).toBe(3)
    expect([...node.replica.actions.keys()].sort()).toEqual([3, 4])
  })

  it("refuses a quorum that is not a majority", () => {
    expect(validateQuorum(1, 3)).toMatch(/not a majority of 3 replicas \(use 2\)/)
    expect(validateQuorum(2, 4)).toMatch(/not a majority/)
    expect(validateQuorum(4, 3)).toMatch(/exceeds/)
    expect(validateQuorum(2, 3)).toBeUndefined()
    expect(validateQuorum(1, 1)).toBeUndefined()
  })
})
