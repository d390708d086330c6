import { describe, expect, it } from "vitest"
import type { Op } from "../../../src/domain/storage/index.ts"
import { decodeEntries, encodeTransaction } from "../../../src/layers/storage/codec.ts"
import { makeTask, taskConfig } from "./fixtures.ts"

const entries = (list: ReadonlyArray<Uint8Array>) => list.map((data, i) => ({ position: i + 1, data }))
const opsOf = (list: ReadonlyArray<Uint8Array>) => {
  const r = decodeEntries(entries(list))
  if ("error" in r) throw new Error(r.error)
  return r.records.flatMap((rec) => (rec._tag === "Transaction" ? [rec.ops] : []))
}

describe("transaction codec", () => {
  const a = taskConfig(1)
  const b = taskConfig(2)
  const ops: Array<Op> = [
    { _tag: "SaveQuota", role: "r", quota: { numCpus: 1, ramMb: 2, diskMb: 3 } as never },
    { _tag: "SaveTasks", tasks: [makeTask(1, a), makeTask(2, b), makeTask(3, a), makeTask(4, { ...a })] },
    { _tag: "RemoveTasks", taskIds: ["x"] }
  ]

  it("stores each distinct task config once and decodes to the same ops", () => {
    const tx = encodeTransaction(ops)
    const one = encodeTransaction([{ _tag: "SaveTasks", tasks: [makeTask(1, a)] }])
    // Four tasks of two distinct configs cost two configs, not four.
    const configBytes = JSON.stringify(a).length
    expect(tx.length).toBeLessThan(one.length * 4 - configBytes)
    const [decoded] = opsOf([tx])
    expect(decoded).toEqual(ops)
  })

  it("shares one config object per distinct config across a whole replay", () => {
    const txs = [
      encodeTransaction([{ _tag: "SaveTasks", tasks: [makeTask(1, a), makeTask(2, b)] }]),
      encodeTransaction([{ _tag: "SaveTasks", tasks: [makeTask(3, { ...a })] }])
    ]
    const configs = opsOf(txs).flatMap((o) =>
      o.flatMap((op) => (op._tag === "SaveTasks" ? op.tasks.map((t) => t.assignedTask.task) : []))
    )
    expect(configs[0]).toEqual(a)
    expect(configs[2]).toBe(configs[0])
    expect(configs[1]).not.toBe(configs[0])
  })

  it("keeps transactions without tasks readable as plain JSON", () => {
    const tx = encodeTransaction([{ _tag: "RemoveQuota", role: "r" }])
    expect(String.fromCharCode(tx[0])).toBe("T")
    expect(opsOf([tx])).toEqual([[{ _tag: "RemoveQuota", role: "r" }]])
  })

  it("reports a cut or inconsistent deduplicated transaction with its position", () => {
    const tx = encodeTransaction(ops)
    const cut = tx.subarray(0, 40)
    expect(decodeEntries(entries([cut]))).toMatchObject({
      position: 1,
      error: expect.stringMatching(/corrupt/)
    })
    // A config id past the end of the config list.
    const text = Buffer.from(tx)
      .toString("latin1")
      .replace('"taskConfigIds":[0,1,0,0]', '"taskConfigIds":[0,1,0,7]')
    const bad = Uint8Array.from(Buffer.from(text, "latin1"))
    expect(
      decodeEntries(entries([encodeTransaction([{ _tag: "RemoveQuota", role: "r" }]), bad]))
    ).toMatchObject({
      position: 2,
      error: expect.stringMatching(/task config 7, which does not exist/)
    })
  })
})
