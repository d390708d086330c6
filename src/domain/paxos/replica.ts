// The replica (acceptor + learner): answers promises and writes, learns chosen values, truncates.
import type { Action, Durable, Message, ReplicaStatus, Value } from "./types.ts"

/** A replica's durable state. `end` is the highest position holding any Paxos state (begin - 1 if none). */
export interface ReplicaState<D> {
  status: ReplicaStatus
  promised: number
  begin: number
  end: number
  readonly actions: Map<number, Action<D>>
}

export const emptyReplica = <D>(status: ReplicaStatus = "EMPTY"): ReplicaState<D> => ({
  status,
  promised: 0,
  begin: 1,
  end: 0,
  actions: new Map()
})

/** Replays one durable record; used both by `step` and when loading a replica from disk. */
export const applyDurable = <D>(r: ReplicaState<D>, rec: Durable<D>): void => {
  switch (rec._tag) {
    case "Metadata":
      r.status = rec.status
      r.promised = rec.promised
      return
    case "Action":
      if (rec.action.position < r.begin) return
      r.actions.set(rec.action.position, rec.action)
      if (rec.action.position > r.end) r.end = rec.action.position
      return
    case "Truncated":
      if (rec.begin <= r.begin) return
      for (const p of r.actions.keys()) if (p < rec.begin) r.actions.delete(p)
      r.begin = rec.begin
      if (r.end < rec.begin - 1) r.end = rec.begin - 1
      return
  }
}

export interface ReplicaOut<D> {
  readonly persist: Array<Durable<D>>
  reply: Message<D> | undefined
  /** Set when this replica promised a ballot higher than any before (a rival coordinator exists). */
  promisedHigher: number
}

const noneAction = (position: number) => ({
  position,
  promised: 0,
  ballot: 0,
  value: undefined,
  learned: false
})

const record = <D>(r: ReplicaState<D>, out: ReplicaOut<D>, rec: Durable<D>) => {
  applyDurable(r, rec)
  out.persist.push(rec)
}

const metadata = <D>(r: ReplicaState<D>): Durable<D> => ({
  _tag: "Metadata",
  status: r.status,
  promised: r.promised
})

/** Changes status durably. */
export const setStatus = <D>(
  r: ReplicaState<D>,
  status: ReplicaStatus,
  promised: number,
  persist: Array<Durable<D>>
) => {
  r.status = status
  r.promised = Math.max(r.promised, promised)
  persist.push(metadata(r))
}

/** Marks a position learned; returns true if it was news. Learning a Truncate drops the positions below. */
export const learn = <D>(
  r: ReplicaState<D>,
  position: number,
  value: Value<D>,
  persist: Array<Durable<D>>
): boolean => {
  if (position < r.begin) return false
  const prev = r.actions.get(position)
  if (prev?.learned) return false
  const action: Action<D> = { ...(prev ?? noneAction(position)), value, learned: true }
  const rec: Durable<D> = { _tag: "Action", action, lazy: true }
  applyDurable(r, rec)
  persist.push(rec)
  if (value._tag === "Truncate") truncate(r, value.to, persist)
  return true
}

export const truncate = <D>(r: ReplicaState<D>, begin: number, persist: Array<Durable<D>>) => {
  if (begin <= r.begin) return
  const rec: Durable<D> = { _tag: "Truncated", begin, lazy: true }
  applyDurable(r, rec)
  persist.push(rec)
}

/** Handles a coordinator's request. Only VOTING replicas answer promises and writes. */
export const replicaReceive = <D>(r: ReplicaState<D>, msg: Message<D>): ReplicaOut<D> => {
  const out: ReplicaOut<D> = { persist: [], reply: undefined, promisedHigher: 0 }
  switch (msg._tag) {
    case "Recover":
      out.reply = { _tag: "RecoverOk", round: msg.round, status: r.status, begin: r.begin, end: r.end }
      return out
    case "Learned":
      if (r.status === "VOTING" || r.status === "RECOVERING") learn(r, msg.position, msg.value, out.persist)
      return out
    case "Promise":
      if (r.status !== "VOTING") return out
      if (msg.position === null) implicitPromise(r, msg.ballot, out)
      else explicitPromise(r, msg.ballot, msg.position, out)
      return out
    case "Write":
      if (r.status !== "VOTING") return out
      write(r, msg.ballot, msg.position, msg.value, out)
      return out
    default:
      return out
  }
}

const implicitPromise = <D>(r: ReplicaState<D>, ballot: number, out: ReplicaOut<D>) => {
  if (ballot < r.promised) {
    out.reply = { _tag: "Reject", ballot, position: null, promised: r.promised }
    return
  }
  if (ballot > r.promised) {
    record(r, out, { _tag: "Metadata", status: r.status, promised: ballot })
    out.promisedHigher = ballot
  }
  out.reply = {
    _tag: "PromiseOk",
    ballot,
    position: null,
    begin: r.begin,
    end: r.end,
    accepted: null,
    learned: null,
    truncated: false
  }
}

const explicitPromise = <D>(r: ReplicaState<D>, ballot: number, position: number, out: ReplicaOut<D>) => {
  const base = { _tag: "PromiseOk", ballot, position, begin: r.begin, end: r.end } as const
  if (position < r.begin) {
    out.reply = { ...base, accepted: null, learned: null, truncated: true }
    return
  }
  const a = r.actions.get(position) ?? noneAction(position)
  if (a.learned) {
    out.reply = { ...base, accepted: null, learned: a.value!, truncated: false }
    return
  }
  const floor = Math.max(r.promised, a.promised)
  if (ballot < floor) {
    out.reply = { _tag: "Reject", ballot, position, promised: floor }
    return
  }
  if (ballot > a.promised)
    record(r, out, { _tag: "Action", action: { ...a, promised: ballot }, promise: true })
  const accepted = a.value !== undefined && a.ballot > 0 ? { ballot: a.ballot, value: a.value } : null
  out.reply = { ...base, accepted, learned: null, truncated: false }
}

const write = <D>(
  r: ReplicaState<D>,
  ballot: number,
  position: number,
  value: Value<D>,
  out: ReplicaOut<D>
) => {
  const a = r.actions.get(position)
  const floor = Math.max(r.promised, a?.promised ?? 0)
  if (ballot < floor) {
    out.reply = { _tag: "Reject", ballot, position, promised: floor }
    return
  }
  // A coordinator that passed a promise phase above the chosen ballot proposes the chosen value,
  // so a learned or truncated position can acknowledge it without change.
  if (position < r.begin || a?.learned) {
    out.reply = { _tag: "WriteOk", ballot, position }
    return
  }
  if (!(a && a.ballot === ballot)) {
    record(r, out, {
      _tag: "Action",
      action: { position, promised: Math.max(a?.promised ?? 0, ballot), ballot, value, learned: false }
    })
  }
  out.reply = { _tag: "WriteOk", ballot, position }
}
