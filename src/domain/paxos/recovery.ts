// Replica start-up: an EMPTY replica catches up from a quorum of VOTING peers (EMPTY → RECOVERING → VOTING),
// or, when auto-initialization is on, a brand-new cluster initializes itself in two phases
// (EMPTY → STARTING when all are EMPTY/STARTING, STARTING → VOTING when all are STARTING/VOTING).
import { startElection, startHeldAppends } from "./coordinator.ts"
import type { StepCtx } from "./node.ts"
import { setStatus } from "./replica.ts"
import type { Message, ReplicaStatus } from "./types.ts"

export const recoveryTick = <D>(ctx: StepCtx<D>) => {
  const { node } = ctx
  const st = node.replica.status
  if (st !== "EMPTY" && st !== "STARTING") return
  if (node.now - node.recovery.sentAt < node.config.retryMs) return
  node.recovery.round++
  node.recovery.sentAt = node.now
  node.recovery.responses.clear()
  for (const m of node.config.members)
    if (m !== node.config.id) ctx.send(m, { _tag: "Recover", round: node.recovery.round })
  // A one-replica log has no peer to hear from.
  if (node.config.members.length === 1) evaluate(ctx)
}

const change = <D>(ctx: StepCtx<D>, status: ReplicaStatus) => {
  setStatus(ctx.node.replica, status, 0, ctx.ready.persist)
  ctx.ready.events.push({ _tag: "StatusChanged", status })
  startHeldAppends(ctx)
}

export const recoveryReceive = <D>(
  ctx: StepCtx<D>,
  from: number,
  msg: Extract<Message<D>, { _tag: "RecoverOk" }>
) => {
  const { node } = ctx
  const self = node.replica.status
  if (msg.round !== node.recovery.round || (self !== "EMPTY" && self !== "STARTING")) return
  node.recovery.responses.set(from, msg.status)
  evaluate(ctx)
}

const evaluate = <D>(ctx: StepCtx<D>) => {
  const { node } = ctx
  const self = node.replica.status
  const statuses = [...node.recovery.responses.values()]
  const voting = statuses.filter((s) => s === "VOTING").length
  if (voting >= node.config.quorum) {
    // A STARTING replica never voted, so it may vote empty; an EMPTY one may have lost a disk: catch up.
    if (self === "STARTING") change(ctx, "VOTING")
    else {
      change(ctx, "RECOVERING")
      startElection(ctx, "catchup")
    }
    return
  }
  if (!node.config.autoInitialize || statuses.length < node.config.members.length - 1) return
  if (self === "EMPTY" && statuses.every((s) => s === "EMPTY" || s === "STARTING")) change(ctx, "STARTING")
  else if (self === "STARTING" && statuses.every((s) => s === "STARTING" || s === "VOTING"))
    change(ctx, "VOTING")
}
