import { Context, type Effect, Schema } from "effect"
import type { HostAttributes } from "../domain/model/index.ts"
import type { Offer, PreparedOffer, ResourceRequest, Veto } from "../domain/placement/index.ts"
import type { LaunchSpec, OfferLaunchFailed } from "./OfferDriver.ts"

export class OfferNoLongerExists extends Schema.TaggedError<OfferNoLongerExists>()("OfferNoLongerExists", {
  offerId: Schema.String
}) {
  override get message(): string {
    return "Offer no longer exists in offer queue, likely data race."
  }
}

/** Holds offers (§1.4): one per agent, ordered, with static bans per task group. */
export interface OfferManagerShape {
  readonly add: (offer: Offer) => Effect.Effect<void>
  /** Rescind: remove the offer, or ban its id if it has not arrived yet. */
  readonly rescind: (offerId: string) => Effect.Effect<void>
  readonly banGlobally: (offerId: string) => Effect.Effect<void>
  readonly hostAttributesChanged: (attributes: HostAttributes) => Effect.Effect<void>
  readonly driverDisconnected: Effect.Effect<void>
  /**
   * The first offer in order that passes the filter for the group, skipping `skip`ped ones. The tasks
   * of one batch pass one `cursor` (a fresh `{ layout: -1, at: 0 }`): each search resumes after the
   * previous match instead of rescanning the offers before it.
   */
  readonly firstMatch: (
    groupKey: string,
    request: ResourceRequest,
    skip?: (offer: PreparedOffer) => boolean,
    onVeto?: (offer: PreparedOffer, vetoes: ReadonlyArray<Veto>) => void,
    cursor?: { layout: number; at: number }
  ) => Effect.Effect<PreparedOffer | undefined>
  /** The agent's offer if it passes the filter for the request (update affinity; never bans). */
  readonly matchAgent: (agentId: string, request: ResourceRequest) => Effect.Effect<PreparedOffer | undefined>
  /** Removes the offer and accepts it with one LAUNCH (refuse filter `-offer_filter_duration`). */
  readonly launch: (
    offerId: string,
    task: LaunchSpec
  ) => Effect.Effect<void, OfferNoLongerExists | OfferLaunchFailed>
  readonly byAgent: (agentId: string) => Effect.Effect<PreparedOffer | undefined>
  readonly all: Effect.Effect<ReadonlyArray<PreparedOffer>>
  /** Return offers whose hold time is over (the layer's sweeper calls this too). */
  readonly returnExpired: Effect.Effect<number>
  readonly stats: Effect.Effect<{
    readonly held: number
    readonly staticBans: number
    readonly version: number
  }>
}

export class OfferManager extends Context.Tag("OfferManager")<OfferManager, OfferManagerShape>() {}
