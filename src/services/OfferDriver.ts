import { Context, type Effect, Schema } from "effect"
import type { TaskConfig } from "../domain/model/index.ts"
import type { Offer } from "../domain/placement/index.ts"

export class OfferLaunchFailed extends Schema.TaggedError<OfferLaunchFailed>()("OfferLaunchFailed", {
  offerId: Schema.String,
  reason: Schema.String
}) {}

export interface LaunchSpec {
  readonly taskId: string
  readonly config: TaskConfig
  readonly host: string
  readonly agentId: string
  readonly ports: Readonly<Record<string, number>>
}

/** The cluster side of offers (Mesos or the local agent): decline, or accept with one LAUNCH. */
export interface OfferDriverShape {
  readonly decline: (offerId: string, refuseMs: number) => Effect.Effect<void>
  readonly launch: (
    offer: Offer,
    task: LaunchSpec,
    refuseMs: number
  ) => Effect.Effect<void, OfferLaunchFailed>
}

export class OfferDriver extends Context.Tag("OfferDriver")<OfferDriver, OfferDriverShape>() {}
