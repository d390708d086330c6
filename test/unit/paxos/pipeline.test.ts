import { describe, expect, it } from "vitest"
import { admit, emptyPipeline, emptyReady, type Ready, synced } from "../../../src/domain/paxos/index.ts"

const ready = (over: Partial<Ready<string>>): Ready<string> => ({ ...emptyReady<string>(), ...over })
const write = {
  from: 0,
  to: 1,
  msg: { _tag: "Write", ballot: 64, position: 5, value: { _tag: "Noop" } }
} as const
const learned = { from: 0, to: 1, msg: { _tag: "Learned", position: 5, value: { _tag: "Noop" } } } as const
const accept = {
  _tag: "Action",
  action: { position: 5, promised: 64, ballot: 64, value: { _tag: "Noop" }, learned: false }
} as const

describe("sync pipeline", () => {
  it("holds our coordinator's requests while a promise of ours is still syncing", () => {
    const pipe = emptyPipeline()
    const promised = admit(pipe, [ready({ persist: [{ _tag: "Metadata", status: "VOTING", promised: 64 }] })])
    const next = admit(pipe, [ready({ early: [write] })])
    expect(next.early).toEqual([])
    expect(next.late).toEqual([write])
    synced(pipe, promised)
    synced(pipe, next)
    expect(admit(pipe, [ready({ early: [write] })]).early).toEqual([write])
  })

  it("holds chosen facts (Learned, Appended) while our acceptance at that position is syncing", () => {
    const pipe = emptyPipeline()
    const accepted = admit(pipe, [ready({ persist: [accept] })])
    const appended = { _tag: "Appended", id: 1, positions: [5] } as const
    const next = admit(pipe, [ready({ early: [learned], results: [appended] })])
    expect(next.late).toEqual([learned])
    expect(next.lateResults).toEqual([appended])
    synced(pipe, accepted)
    const later = admit(pipe, [ready({ early: [learned], results: [appended] })])
    expect(later.early).toEqual([learned])
    expect(later.earlyResults).toEqual([appended])
  })
})
