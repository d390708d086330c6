// The coordinator (proposer): implicit-promise election, appends, fill-in of unlearned positions,
// demotion. The same machinery catches up a RECOVERING replica (purpose "catchup").
import type { StepCtx } from "./node.ts"
import { learn, setStatus, truncate } from "./replica.ts"
import { type Message, nextBallot, type Value } from "./types.ts"

interface PendingWrite<D> {
  readonly value: Value<D>
  readonly acks: Set<number>
  sentAt: number
  readonly request: number | undefined
}

interface Round<D> {
  readonly oks: Set<number>
  best: { readonly ballot: number; readonly value: Value<D> } | null
  sentAt: number
}

export interface CoordinatorState<D> {
  phase: "idle" | "electing" | "elected"
  purpose: "lead" | "catchup"
  ballot: number
  highestSeen: number
  readonly promisedBy: Set<number>
  maxEnd: number
  maxBegin: number
  sentAt: number
  /** After a rejected election: earliest time of the next attempt (0 = none scheduled). */
  retryAt: number
  next: number
  readonly writes: Map<number, PendingWrite<D>>
  readonly rounds: Map<number, Round<D>>
  fillNext: number
  fillEnd: number
  fillWrites: number
  queue: Array<{ readonly id: number; readonly values: ReadonlyArray<Value<D>> }>
  readonly requests: Map<number, { remaining: number; readonly positions: Array<number> }>
}

export const idleCoordinator = <D>(): CoordinatorState<D> => ({
  phase: "idle",
  purpose: "lead",
  ballot: 0,
  highestSeen: 0,
  promisedBy: new Set(),
  maxEnd: 0,
  maxBegin: 0,
  sentAt: 0,
  retryAt: 0,
  next: 1,
  writes: new Map(),
  rounds: new Map(),
  fillNext: 1,
  fillEnd: 0,
  fillWrites: 0,
  queue: [],
  requests: new Map()
})

export const startElection = <D>(ctx: StepCtx<D>, purpose: "lead" | "catchup") => {
  const c = ctx.node.coord
  c.purpose = purpose
  c.ballot = nextBallot(Math.max(c.highestSeen, ctx.node.replica.promised), ctx.node.config.id)
  c.highestSeen = c.ballot
  c.promisedBy.clear()
  c.maxEnd = 0
  c.maxBegin = 0
  c.phase = "electing"
  c.retryAt = 0
  c.sentAt = ctx.node.now
  ctx.broadcast({ _tag: "Promise", ballot: c.ballot, position: null })
}

export const submitAppend = <D>(ctx: StepCtx<D>, id: number, values: ReadonlyArray<Value<D>>) => {
  const c = ctx.node.coord
  const status = ctx.node.replica.status
  if (status !== "VOTING") {
    // A replica on its way to VOTING holds appends until it gets there; an uninitialized one refuses.
    const becoming = status === "RECOVERING" || status === "STARTING" || ctx.node.config.autoInitialize
    if (becoming) c.queue.push({ id, values })
    else ctx.ready.results.push({ _tag: "AppendFailed", id, reason: "NotVoting" })
    return
  }
  c.queue.push({ id, values })
  if (c.phase === "elected") drain(ctx)
  else if (c.phase === "idle" && c.retryAt === 0) startElection(ctx, "lead")
}

/** Loses the coordinator role: every request in flight fails (its outcome is unknown), as Aurora requires. */
export const demote = <D>(ctx: StepCtx<D>, by: number) => {
  const c = ctx.node.coord
  c.highestSeen = Math.max(c.highestSeen, by)
  const wasElected = c.phase === "elected"
  c.phase = "idle"
  c.writes.clear()
  c.rounds.clear()
  c.fillWrites = 0
  if (c.purpose === "catchup") {
    c.retryAt = backoff(ctx)
    return
  }
  if (!wasElected) {
    // Lost an election race: retry after a random delay in [T, 2T] (livelock guard).
    c.retryAt = backoff(ctx)
    return
  }
  for (const id of c.requests.keys()) ctx.ready.results.push({ _tag: "AppendFailed", id, reason: "Demoted" })
  for (const q of c.queue) ctx.ready.results.push({ _tag: "AppendFailed", id: q.id, reason: "Demoted" })
  c.requests.clear()
  c.queue = []
  c.retryAt = 0
  ctx.ready.events.push({ _tag: "Demoted", ballot: c.ballot, by })
}

const backoff = <D>(ctx: StepCtx<D>) => {
  const t = ctx.node.config.retryMs
  return ctx.node.now + t + Math.floor(ctx.random() * t) + 1
}

export const coordinatorReceive = <D>(ctx: StepCtx<D>, from: number, msg: Message<D>) => {
  const c = ctx.node.coord
  if (!("ballot" in msg) || msg.ballot !== c.ballot || c.phase === "idle") return
  switch (msg._tag) {
    case "Reject":
      if (msg.promised > c.ballot) demote(ctx, msg.promised)
      return
    case "PromiseOk":
      if (msg.position === null) {
        if (c.phase !== "electing") return
        c.promisedBy.add(from)
        c.maxEnd = Math.max(c.maxEnd, msg.end)
        c.maxBegin = Math.max(c.maxBegin, msg.begin)
        if (c.promisedBy.size >= ctx.node.config.quorum) elected(ctx)
      } else roundPromised(ctx, from, msg.position, msg)
      return
    case "WriteOk":
      writeAcked(ctx, from, msg.position)
      return
  }
}

const elected = <D>(ctx: StepCtx<D>) => {
  const c = ctx.node.coord
  const r = ctx.node.replica
  c.phase = "elected"
  // A peer's begin means a Truncate up to it was chosen: everything below is garbage.
  truncate(r, c.maxBegin, ctx.ready.persist)
  c.next = Math.max(c.maxEnd, r.end) + 1
  c.fillNext = r.begin
  c.fillEnd = c.next - 1
  if (c.purpose === "lead") ctx.ready.events.push({ _tag: "Elected", ballot: c.ballot, end: c.fillEnd })
  pumpFill(ctx)
  // A catch-up round only learns; client appends wait until this replica votes and leads.
  if (c.purpose === "lead") drain(ctx)
}

const drain = <D>(ctx: StepCtx<D>) => {
  const c = ctx.node.coord
  for (const q of c.queue) {
    const positions: Array<number> = []
    for (const value of q.values) {
      const p = c.next++
      positions.push(p)
      c.writes.set(p, { value, acks: new Set(), sentAt: ctx.node.now, request: q.id })
      ctx.broadcast({ _tag: "Write", ballot: c.ballot, position: p, value })
    }
    if (positions.length === 0) ctx.ready.results.push({ _tag: "Appended", id: q.id, positions })
    else c.requests.set(q.id, { remaining: positions.length, positions })
  }
  c.queue = []
}

/** Starts full Paxos rounds for unlearned positions below the election's end, a window at a time. */
const pumpFill = <D>(ctx: StepCtx<D>) => {
  const c = ctx.node.coord
  const r = ctx.node.replica
  if (c.fillNext < r.begin) c.fillNext = r.begin
  while (c.rounds.size < ctx.node.config.maxRounds && c.fillNext <= c.fillEnd) {
    const p = c.fillNext++
    if (r.actions.get(p)?.learned) continue
    c.rounds.set(p, { oks: new Set(), best: null, sentAt: ctx.node.now })
    ctx.broadcast({ _tag: "Promise", ballot: c.ballot, position: p })
  }
  if (c.purpose === "catchup" && c.fillNext > c.fillEnd && c.rounds.size === 0 && c.fillWrites === 0) {
    // Caught up: vote again, promising at least what the quorum promised us.
    setStatus(r, "VOTING", c.ballot, ctx.ready.persist)
    ctx.ready.events.push({ _tag: "StatusChanged", status: "VOTING" })
    c.phase = "idle"
    c.purpose = "lead"
    startHeldAppends(ctx)
  }
}

const roundPromised = <D>(
  ctx: StepCtx<D>,
  from: number,
  position: number,
  msg: Extract<Message<D>, { _tag: "PromiseOk" }>
) => {
  const c = ctx.node.coord
  const round = c.rounds.get(position)
  if (!round || c.phase !== "elected") return
  if (msg.learned || msg.truncated) {
    c.rounds.delete(position)
    if (msg.learned) learn(ctx.node.replica, position, msg.learned, ctx.ready.persist)
    else truncate(ctx.node.replica, msg.begin, ctx.ready.persist)
    pumpFill(ctx)
    return
  }
  round.oks.add(from)
  if (msg.accepted && (!round.best || msg.accepted.ballot > round.best.ballot)) round.best = msg.accepted
  if (round.oks.size < ctx.node.config.quorum) return
  c.rounds.delete(position)
  const value: Value<D> = round.best ? round.best.value : { _tag: "Noop" }
  c.writes.set(position, { value, acks: new Set(), sentAt: ctx.node.now, request: undefined })
  c.fillWrites++
  ctx.broadcast({ _tag: "Write", ballot: c.ballot, position, value })
}

const writeAcked = <D>(ctx: StepCtx<D>, from: number, position: number) => {
  const c = ctx.node.coord
  const w = c.writes.get(position)
  if (!w || c.phase !== "elected") return
  w.acks.add(from)
  if (w.acks.size < ctx.node.config.quorum) return
  c.writes.delete(position)
  ctx.broadcast({ _tag: "Learned", position, value: w.value })
  if (w.request === undefined) {
    c.fillWrites--
    pumpFill(ctx)
    return
  }
  const req = c.requests.get(w.request)
  if (req && --req.remaining === 0) {
    c.requests.delete(w.request)
    ctx.ready.results.push({ _tag: "Appended", id: w.request, positions: req.positions })
  }
}

/** Resends what went unanswered and restarts elections after their back-off. */
export const coordinatorTick = <D>(ctx: StepCtx<D>) => {
  const c = ctx.node.coord
  const now = ctx.node.now
  const t = ctx.node.config.retryMs
  if (c.phase === "idle") {
    if (c.retryAt !== 0 && now >= c.retryAt) {
      c.retryAt = 0
      if (c.purpose === "catchup" || (c.queue.length > 0 && ctx.node.replica.status === "VOTING"))
        startElection(ctx, c.purpose)
    } else if (ctx.node.replica.status === "RECOVERING" && c.retryAt === 0) startElection(ctx, "catchup")
    return
  }
  if (c.phase === "electing") {
    if (now - c.sentAt < t) return
    c.sentAt = now
    for (const m of ctx.node.config.members)
      if (!c.promisedBy.has(m)) ctx.send(m, { _tag: "Promise", ballot: c.ballot, position: null })
    return
  }
  for (const [position, w] of c.writes) {
    if (now - w.sentAt < t) continue
    w.sentAt = now
    for (const m of ctx.node.config.members)
      if (!w.acks.has(m)) ctx.send(m, { _tag: "Write", ballot: c.ballot, position, value: w.value })
  }
  for (const [position, round] of c.rounds) {
    if (now - round.sentAt < t) continue
    round.sentAt = now
    for (const m of ctx.node.config.members)
      if (!round.oks.has(m)) ctx.send(m, { _tag: "Promise", ballot: c.ballot, position })
  }
}

/** Once this replica votes, appends held while it was not VOTING start an election. */
export const startHeldAppends = <D>(ctx: StepCtx<D>) => {
  const c = ctx.node.coord
  if (ctx.node.replica.status === "VOTING" && c.queue.length > 0 && c.phase === "idle" && c.retryAt === 0)
    startElection(ctx, "lead")
}
