import { describe, expect, it } from "vitest"
import {
  applyOp,
  buildSnapshot,
  coalesce,
  deduplicate,
  emptyStores,
  type Op,
  planSaveHostAttributes,
  planSaveTasks,
  queryTasks,
  reduplicate,
  restoreSnapshot
} from "../../../src/domain/storage/index.ts"
import { decodeEntries, encodeSnapshot, encodeTransaction } from "../../../src/layers/storage/codec.ts"
import { makeCronJob, makeHost, makeTask, taskConfig } from "./fixtures.ts"

describe("storage domain", () => {
  it("coalesces consecutive ops like Aurora: tasks merge by id, removals union, framework id last wins", () => {
    const a = makeTask(1)
    const a2 = { ...a, status: "KILLING" as const }
    const b = makeTask(2)
    const ops = coalesce([
      { _tag: "SaveFrameworkId", id: "f1" },
      { _tag: "SaveFrameworkId", id: "f2" },
      { _tag: "SaveTasks", tasks: [a, b] },
      { _tag: "SaveTasks", tasks: [a2] },
      { _tag: "RemoveTasks", taskIds: ["x", "y"] },
      { _tag: "RemoveTasks", taskIds: ["y", "z"] },
      { _tag: "SaveQuota", role: "r", quota: { resources: [] } },
      { _tag: "SaveQuota", role: "s", quota: { resources: [] } }
    ])
    expect(ops.map((o) => o._tag)).toEqual([
      "SaveFrameworkId",
      "SaveTasks",
      "RemoveTasks",
      "SaveQuota",
      "SaveQuota"
    ])
    expect(ops[0]).toEqual({ _tag: "SaveFrameworkId", id: "f2" })
    expect(ops[1]._tag === "SaveTasks" && ops[1].tasks.map((t) => t.status)).toEqual(["KILLING", "RUNNING"])
    expect(ops[2]).toEqual({ _tag: "RemoveTasks", taskIds: ["x", "y", "z"] })
  })

  it("keeps task indexes by job and host through saves, overwrites and removals", () => {
    const s = emptyStores()
    const t = makeTask(5)
    applyOp(s, { _tag: "SaveTasks", tasks: [t] })
    const moved = { ...t, assignedTask: { ...t.assignedTask, slaveHost: "elsewhere" } }
    applyOp(s, { _tag: "SaveTasks", tasks: [moved] })
    expect(s.tasksByHost.has("host5.example.com")).toBe(false)
    expect([...s.tasksByHost.get("elsewhere")!]).toEqual([t.assignedTask.taskId])
    expect(queryTasks(s, { jobKeys: [t.assignedTask.task.job] })).toEqual([moved])
    applyOp(s, { _tag: "RemoveTasks", taskIds: [t.assignedTask.taskId] })
    expect(s.tasksByJob.size).toBe(0)
  })

  it("host attributes without an agent id are dropped on replay; a missing mode keeps the previous one", () => {
    const s = emptyStores()
    applyOp(s, { _tag: "SaveHostAttributes", hostAttributes: { ...makeHost(1), mode: "DRAINING" } })
    const { mode: _m, ...noMode } = makeHost(1)
    applyOp(s, { _tag: "SaveHostAttributes", hostAttributes: noMode })
    expect(s.hostAttributes.get("host1.example.com")?.mode).toBe("DRAINING")
    const { slaveId: _s, ...noAgent } = makeHost(2)
    applyOp(s, { _tag: "SaveHostAttributes", hostAttributes: noAgent })
    expect(s.hostAttributes.has("host2.example.com")).toBe(false)
  })

  it("deduplicates task configs in snapshots and restores the same stores", () => {
    const s = emptyStores()
    const shared = taskConfig(1)
    const tasks = Array.from({ length: 40 }, (_, i) => makeTask(i, i % 2 === 0 ? shared : taskConfig(i % 4)))
    applyOp(s, { _tag: "SaveTasks", tasks })
    applyOp(s, { _tag: "SaveCronJob", jobConfig: makeCronJob(1) })
    applyOp(s, { _tag: "SaveFrameworkId", id: "fw" })
    const snap = buildSnapshot(s, 123)
    const d = deduplicate(snap)
    // Odd tasks use job 1 or 3 configs built separately: equal by content to the shared one or not.
    expect(d.taskConfigs.length).toBe(2)
    const back = reduplicate(d)
    expect("snapshot" in back && back.snapshot).toEqual(snap)
    const t = emptyStores()
    restoreSnapshot(t, snap)
    t.frameworkId = snap.frameworkId
    expect(t).toEqual(s)
    expect(reduplicate({ ...d, taskConfigs: [] })).toMatchObject({
      error: expect.stringMatching(/task config 0/)
    })
  })

  it("decodes framed snapshots, skips an aborted frame, and rejects a checksum mismatch or a cut entry", () => {
    const s = emptyStores()
    applyOp(s, { _tag: "SaveTasks", tasks: Array.from({ length: 200 }, (_, i) => makeTask(i)) })
    const frames = encodeSnapshot(buildSnapshot(s, 1), 1000)
    expect(frames.length).toBeGreaterThan(2)
    const tx = encodeTransaction([{ _tag: "RemoveQuota", role: "r" }])
    const entries = (list: Array<Uint8Array>) => list.map((data, i) => ({ position: i + 1, data }))
    const ok = decodeEntries(entries([...frames.slice(0, 2), tx, ...frames, tx]))
    expect("records" in ok && ok.records.map((r) => r._tag)).toEqual([
      "Transaction",
      "Snapshot",
      "Transaction"
    ])
    expect("records" in ok && ok.badFrames).toBe(1)
    const bad = frames.map((f) => f.slice())
    bad[2][10] ^= 0xff
    expect(decodeEntries(entries(bad))).toMatchObject({
      error: expect.stringMatching(/position 1 fails its MD5/)
    })
    const cut = tx.slice(0, tx.length - 5)
    expect(decodeEntries(entries([tx, cut]))).toMatchObject({
      error: expect.stringMatching(/log entry at position 2 is corrupt: transaction is not valid JSON/),
      position: 2
    })
  })
})

describe("store rules as planners", () => {
  it("host attributes: empty values rejected, mode kept, unchanged saves log nothing", () => {
    const s = emptyStores()
    const h = { ...makeHost(1), mode: "DRAINING" as const }
    const op = planSaveHostAttributes(s, h)
    expect(op).toEqual({ _tag: "SaveHostAttributes", hostAttributes: h })
    applyOp(s, op as Op)
    const { mode: _m, ...noMode } = h
    expect(planSaveHostAttributes(s, noMode)).toBeUndefined()
    expect(planSaveHostAttributes(s, { ...h, attributes: [{ name: "rack", values: [] }] })).toEqual({
      error: "host host1.example.com: attribute rack has no values"
    })
  })

  it("tasks: one id twice in a save is an error", () => {
    expect(planSaveTasks([makeTask(1), makeTask(1)])).toMatchObject({
      error: expect.stringMatching(/appears twice/)
    })
    expect(planSaveTasks([makeTask(1), makeTask(2)])).toMatchObject({ _tag: "SaveTasks" })
  })
})
