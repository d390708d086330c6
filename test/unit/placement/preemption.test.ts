import { describe, expect, it } from "vitest"
import type { TaskConfig } from "../../../src/domain/model/index.ts"
import {
  type AgentSlot,
  bag,
  canPreempt,
  EMPTY_BAG,
  EMPTY_COUNTS,
  interleaveGroups,
  makeRequest,
  makeVictim,
  type PendingGroup,
  rankOf,
  searchSlots,
  selectVictims,
  taskRequestBag
} from "../../../src/domain/placement/index.ts"
import { hostInfo, limit, res, task, value } from "./fixtures.ts"

const settings = { nowMs: 0, unavailabilityThresholdMs: 360_000 }
const cfg = (tier: string, role = "www", priority = 0, over: Partial<TaskConfig> = {}) =>
  task({ tier, job: { role, environment: "prod", name: "j" }, priority, ...over })

describe("who may preempt whom (scheduling.md §2.1)", () => {
  it.each([
    ["preferred over preemptible of another role", cfg("preferred"), cfg("preemptible", "other", 9), true],
    ["preferred over revocable", cfg("preferred"), cfg("revocable", "other"), true],
    [
      "preferred over lower preferred, same role",
      cfg("preferred", "www", 2),
      cfg("preferred", "www", 1),
      true
    ],
    ["preferred over equal preferred", cfg("preferred", "www", 1), cfg("preferred", "www", 1), false],
    [
      "preferred over lower preferred, other role",
      cfg("preferred", "www", 2),
      cfg("preferred", "x", 1),
      false
    ],
    [
      "preemptible over lower preemptible, same role",
      cfg("preemptible", "www", 2),
      cfg("preemptible", "www", 1),
      true
    ],
    [
      "preemptible over revocable, same role, higher",
      cfg("preemptible", "www", 2),
      cfg("revocable", "www", 1),
      true
    ],
    ["preemptible over preferred", cfg("preemptible", "www", 9), cfg("preferred", "www", 0), false],
    ["revocable over preferred", cfg("revocable", "www", 9), cfg("preferred", "www", 0), false]
  ])("%s -> %s", (_, p, v, expected) => expect(canPreempt(rankOf(p), rankOf(v))).toBe(expected))
})

const pendingReq = (config: TaskConfig) => makeRequest(config, taskRequestBag(config), EMPTY_COUNTS)

describe("victim selection on one agent (§2.2)", () => {
  const pending = cfg("preferred", "www", 0, { resources: res(4, 1024, 1024) }) // +0.25 cpu, +128 MB
  const victim = (id: string, cpus: number, tier = "preemptible") =>
    makeVictim(id, cfg(tier, "other", 0, { resources: res(cpus, 1024, 1024) }))
  const agent = (victims: AgentSlot["victims"], slack = EMPTY_BAG, host = hostInfo("h")): AgentSlot => ({
    agentId: "a",
    host,
    slack,
    unavailabilityStartMs: undefined,
    victims
  })
  const ids = (r: ReturnType<typeof selectVictims>) => r?.map((v) => v.taskId)

  it("takes victims largest first until the task fits", () => {
    const r = selectVictims(
      pendingReq(pending),
      rankOf(pending),
      agent([victim("s", 1), victim("l", 3), victim("m", 2)]),
      settings
    )
    expect(ids(r)).toEqual(["l", "m"])
  })
  it("counts the agent's offer as slack", () => {
    const r = selectVictims(
      pendingReq(pending),
      rankOf(pending),
      agent([victim("s", 1), victim("l", 3)], bag({ cpus: 1, ramMb: 1000, diskMb: 1000 })),
      settings
    )
    expect(ids(r)).toEqual(["l"])
  })
  it("never counts revocable victims' CPU as freed", () => {
    expect(
      selectVictims(pendingReq(pending), rankOf(pending), agent([victim("r", 16, "revocable")]), settings)
    ).toBeUndefined()
  })
  it.each([
    ["no victims", agent([])],
    [
      "only ineligible victims",
      agent([makeVictim("p", cfg("preferred", "x", 0, { resources: res(9, 9999, 9999) }))])
    ],
    ["not enough in total", agent([victim("a", 1), victim("b", 1)])],
    ["host without stored attributes", { ...agent([victim("l", 9)]), host: undefined }],
    ["draining host", agent([victim("l", 9)], EMPTY_BAG, hostInfo("h", {}, "DRAINING"))],
    ["dedicated host", agent([victim("l", 9)], EMPTY_BAG, hostInfo("h", { dedicated: ["x/y"] }))]
  ])("none with %s", (_, a) =>
    expect(selectVictims(pendingReq(pending), rankOf(pending), a as AgentSlot, settings)).toBeUndefined()
  )
  it("applies the pending task's constraints", () => {
    const p = cfg("preferred", "www", 0, {
      resources: res(1, 10, 10),
      constraints: [value("host", ["denied"])]
    })
    expect(selectVictims(pendingReq(p), rankOf(p), agent([victim("l", 9)]), settings)).toBeUndefined()
    const q = cfg("preferred", "www", 0, { resources: res(1, 10, 10), constraints: [limit("host", 0)] })
    expect(selectVictims(pendingReq(q), rankOf(q), agent([victim("l", 9)]), settings)).toBeUndefined()
  })
})

describe("slot search (§2.3)", () => {
  const group = (key: string, count: number, config: TaskConfig): PendingGroup => ({
    groupKey: key,
    request: pendingReq(config),
    rank: rankOf(config),
    count
  })
  const small = cfg("preferred", "www", 0, { resources: res(1, 100, 100) })
  const agents = (n: number): AgentSlot[] =>
    Array.from({ length: n }, (_, i) => ({
      agentId: `a${i}`,
      host: hostInfo(`h${i}`),
      slack: EMPTY_BAG,
      unavailabilityStartMs: undefined,
      victims: [makeVictim(`v${i}`, cfg("preemptible", "x", 0, { resources: res(2, 1000, 1000) }))]
    }))

  it("interleaves groups in batches", () => {
    expect(interleaveGroups([group("a", 7, small), group("b", 2, small)], 5)).toEqual([
      0, 0, 0, 0, 0, 1, 1, 0, 0
    ])
  })
  it("gives each pending task its own agent and stops when agents run out", () => {
    const found = searchSlots([group("a", 3, small), group("b", 2, small)], agents(4), settings)
    expect(found.map((f) => `${f.groupKey}@${f.agentId}:${f.victims.join()}`)).toEqual([
      "a@a0:v0",
      "a@a1:v1",
      "a@a2:v2",
      "b@a3:v3"
    ])
  })
  it("drops a group that fits nowhere without blocking the others", () => {
    const denied = cfg("preferred", "www", 0, {
      resources: res(1, 100, 100),
      constraints: [value("host", ["denied"])]
    })
    const found = searchSlots([group("d", 3, denied), group("a", 1, small)], agents(2), settings)
    expect(found.map((f) => f.groupKey)).toEqual(["a"])
  })
})
