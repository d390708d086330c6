// Overlapping disk syncs with further steps (what the log member does): a batch's records sync while
// later batches are stepped. `step` already says which messages may leave before its own records are
// durable; this also holds back those that rest on records of earlier batches still syncing: our
// promises (our coordinator's requests rely on them) and our acceptances (chosen facts counting our
// vote rely on them). Replies and the rest leave when their batch is synced.
import type { Durable, Envelope, Ready, Result } from "./types.ts"
import { isAcceptRecord, isPromiseRecord, isRequest } from "./types.ts"

export interface Pipeline {
  promises: number
  readonly accepting: Map<number, number>
}

export const emptyPipeline = (): Pipeline => ({ promises: 0, accepting: new Map() })

export interface Admitted<D> {
  readonly persist: ReadonlyArray<Durable<D>>
  readonly early: ReadonlyArray<Envelope<D>>
  readonly earlyResults: ReadonlyArray<Result>
  /** To send and report once `persist` is durable (and every earlier batch is). */
  readonly late: ReadonlyArray<Envelope<D>>
  readonly lateResults: ReadonlyArray<Result>
  readonly accepted: ReadonlyArray<number>
  readonly promising: boolean
}

const count = (m: Map<number, number>, positions: ReadonlyArray<number>, delta: 1 | -1) => {
  for (const p of positions) {
    const n = (m.get(p) ?? 0) + delta
    if (n === 0) m.delete(p)
    else m.set(p, n)
  }
}

/** Takes one batch (the steps' readies merged in order) into the pipeline. */
export const admit = <D>(pipe: Pipeline, readies: ReadonlyArray<Ready<D>>): Admitted<D> => {
  const persist: Array<Durable<D>> = []
  const candidates: Array<Envelope<D>> = []
  const late: Array<Envelope<D>> = []
  const results: Array<Result> = []
  for (const r of readies) {
    for (const p of r.persist) persist.push(p)
    for (const e of r.early) candidates.push(e)
    for (const e of r.send) late.push(e)
    for (const x of r.results) results.push(x)
  }
  const accepted: Array<number> = []
  for (const p of persist) if (isAcceptRecord(p)) accepted.push(p.action.position)
  const promising = persist.some(isPromiseRecord)
  count(pipe.accepting, accepted, 1)
  if (promising) pipe.promises++
  const early: Array<Envelope<D>> = []
  for (const e of candidates) {
    const hold = isRequest(e.msg)
      ? pipe.promises > 0
      : e.msg._tag === "Learned" && pipe.accepting.has(e.msg.position)
    ;(hold ? late : early).push(e)
  }
  const earlyResults: Array<Result> = []
  const lateResults: Array<Result> = []
  for (const r of results)
    (r._tag === "Appended" && r.positions.some((p) => pipe.accepting.has(p))
      ? lateResults
      : earlyResults
    ).push(r)
  return { persist, early, earlyResults, late, lateResults, accepted, promising }
}

/** The batch's records are durable (batches sync in admission order). */
export const synced = <D>(pipe: Pipeline, a: Admitted<D>): void => {
  count(pipe.accepting, a.accepted, -1)
  if (a.promising) pipe.promises--
}
