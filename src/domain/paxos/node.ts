// One log member = replica + coordinator + recovery, driven by `step` like etcd's raft: no I/O inside.
// The driver persists `ready.persist`, then sends `ready.send`, then reports results and learned entries.
import {
  type CoordinatorState,
  coordinatorReceive,
  coordinatorTick,
  demote,
  idleCoordinator,
  startElection,
  submitAppend
} from "./coordinator.ts"
import { recoveryReceive, recoveryTick } from "./recovery.ts"
import { type ReplicaState, replicaReceive } from "./replica.ts"
import {
  type Envelope,
  type Input,
  isAcceptRecord,
  isPromiseRecord,
  isRequest,
  type Message,
  type PaxosConfig,
  type Ready,
  type ReplicaStatus
} from "./types.ts"

export interface NodeState<D> {
  readonly config: PaxosConfig
  readonly replica: ReplicaState<D>
  readonly coord: CoordinatorState<D>
  readonly recovery: { round: number; sentAt: number; readonly responses: Map<number, ReplicaStatus> }
  /** Last position handed out in `ready.learned`. */
  applied: number
  now: number
  rng: number
}

/** Context handed to the coordinator and recovery helpers while one step runs. */
export interface StepCtx<D> {
  readonly node: NodeState<D>
  readonly ready: Ready<D>
  send(to: number, msg: Message<D>): void
  broadcast(msg: Message<D>): void
  random(): number
}

/** A member as it starts: replica state loaded from disk, coordinator idle. Already-learned entries are not re-delivered. */
export const initNode = <D>(
  config: PaxosConfig,
  replica: ReplicaState<D>,
  now: number,
  seed: number
): NodeState<D> => {
  let applied = replica.begin - 1
  while (replica.actions.get(applied + 1)?.learned) applied++
  return {
    config,
    replica,
    coord: idleCoordinator(),
    recovery: { round: 0, sentAt: Number.NEGATIVE_INFINITY, responses: new Map() },
    applied,
    now,
    rng: seed >>> 0 || 0x9e3779b9
  }
}

export const emptyReady = <D>(): Ready<D> => ({
  persist: [],
  early: [],
  send: [],
  learned: [],
  results: [],
  events: []
})

export const step = <D>(node: NodeState<D>, input: Input<D>): Ready<D> => {
  const ready = emptyReady<D>()
  const local: Array<Message<D>> = []
  const id = node.config.id
  const ctx: StepCtx<D> = {
    node,
    ready,
    send: (to, msg) => {
      if (to === id) local.push(msg)
      else ready.send.push({ from: id, to, msg })
    },
    broadcast: (msg) => {
      for (const m of node.config.members) ctx.send(m, msg)
    },
    random: () => {
      // xorshift32: deterministic, so a seed replays a whole schedule.
      let x = node.rng
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      node.rng = x >>> 0
      return node.rng / 0x100000000
    }
  }
  switch (input._tag) {
    case "Receive":
      receive(ctx, input.from, input.msg)
      break
    case "Tick":
      node.now = Math.max(node.now, input.now)
      recoveryTick(ctx)
      coordinatorTick(ctx)
      break
    case "Append":
      submitAppend(ctx, input.id, input.values)
      break
  }
  // Messages to self are handled in the same step: their records join this step's persist list.
  for (let i = 0; i < local.length; i++) receive(ctx, id, local[i])
  deliver(node, ready)
  return splitEarly(ready)
}

const splitEarly = <D>(ready: Ready<D>): Ready<D> => {
  if (ready.send.length === 0) return ready
  const promising = ready.persist.some(isPromiseRecord)
  const accepting = new Set<number>()
  for (const r of ready.persist) if (isAcceptRecord(r)) accepting.add(r.action.position)
  const late: Array<Envelope<D>> = []
  for (const e of ready.send) {
    const early = isRequest(e.msg) ? !promising : e.msg._tag === "Learned" && !accepting.has(e.msg.position)
    ;(early ? ready.early : late).push(e)
  }
  return { ...ready, send: late }
}

const receive = <D>(ctx: StepCtx<D>, from: number, msg: Message<D>) => {
  switch (msg._tag) {
    case "Promise":
    case "Write":
    case "Learned":
    case "Recover": {
      const out = replicaReceive(ctx.node.replica, msg)
      for (const p of out.persist) ctx.ready.persist.push(p)
      if (out.reply) ctx.send(from, out.reply)
      // Our own replica promised a rival: stop writing before our next write is rejected anyway.
      if (out.promisedHigher > ctx.node.coord.ballot && ctx.node.coord.phase !== "idle")
        demote(ctx, out.promisedHigher)
      return
    }
    case "PromiseOk":
    case "Reject":
    case "WriteOk":
      coordinatorReceive(ctx, from, msg)
      return
    case "RecoverOk":
      recoveryReceive(ctx, from, msg)
      return
  }
}

const deliver = <D>(node: NodeState<D>, ready: Ready<D>) => {
  const r = node.replica
  if (node.applied < r.begin - 1) node.applied = r.begin - 1
  for (;;) {
    const a = r.actions.get(node.applied + 1)
    if (!a?.learned) return
    node.applied++
    ready.learned.push({ position: a.position, value: a.value! })
  }
}

export { startElection }
