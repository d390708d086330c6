import { Context, type Effect } from "effect"
import type { Rank, ResourceRequest, SlotProposal } from "../domain/placement/index.ts"

/** Preemption (§2.3-2.4): a periodic slot search and acting on a cached slot. */
export interface PreemptorShape {
  /** Re-validate the group's cached slots; on the first valid one preempt its victims, return the agent. */
  readonly attemptPreemptionFor: (
    pendingTaskId: string,
    groupKey: string,
    request: ResourceRequest,
    rank: Rank
  ) => Effect.Effect<string | undefined>
  /** One slot search pass (PendingTaskProcessor); returns the proposals it cached. */
  readonly searchSlots: Effect.Effect<ReadonlyArray<SlotProposal>>
  readonly cachedSlots: Effect.Effect<number>
}

export class Preemptor extends Context.Tag("Preemptor")<Preemptor, PreemptorShape>() {}
