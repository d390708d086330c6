// The leader-only services as the always-on HTTP API sees them. The API serves from process start (a
// standby answers too), but StateManager, TaskScheduler, MaintenanceController and TaskReconciler exist
// only while this scheduler leads: the lifecycle fills the slot once they are built and clears it when
// the term ends; until then every API call answers ERROR_TRANSIENT ("Storage is not READY").
import { Context, Effect, Layer, Ref } from "effect"
import type { MaintenanceController } from "./MaintenanceController.ts"
import type { StateManager } from "./StateManager.ts"
import { StorageNotReady } from "./Storage.ts"
import type { TaskReconciler } from "./TaskReconciler.ts"
import type { TaskScheduler } from "./TaskScheduler.ts"

export type LeaderOnly = StateManager | TaskScheduler | MaintenanceController | TaskReconciler

export interface LeaderServicesSlotShape {
  readonly fill: (context: Context.Context<LeaderOnly>) => Effect.Effect<void>
  readonly clear: Effect.Effect<void>
  /** The leader's services, or StorageNotReady while this scheduler does not lead. */
  readonly current: Effect.Effect<Context.Context<LeaderOnly>, StorageNotReady>
}

export class LeaderServicesSlot extends Context.Tag("aurora/LeaderServicesSlot")<
  LeaderServicesSlot,
  LeaderServicesSlotShape
>() {
  /** An empty slot, for the scheduler program to fill when it starts leading. */
  static readonly empty: Layer.Layer<LeaderServicesSlot> = Layer.effect(
    LeaderServicesSlot,
    Effect.map(Ref.make<Context.Context<LeaderOnly> | undefined>(undefined), makeSlot)
  )

  /** A slot filled from the leader services already in context (tests, single-leader setups). */
  static readonly fromContext: Layer.Layer<LeaderServicesSlot, never, LeaderOnly> = Layer.effect(
    LeaderServicesSlot,
    Effect.flatMap(Effect.context<LeaderOnly>(), (context) =>
      Effect.map(Ref.make<Context.Context<LeaderOnly> | undefined>(context), makeSlot)
    )
  )
}

const notLeading = new StorageNotReady({ state: "PREPARED", message: "Storage is not READY" })

function makeSlot(ref: Ref.Ref<Context.Context<LeaderOnly> | undefined>): LeaderServicesSlotShape {
  return {
    fill: (context) => Ref.set(ref, context),
    clear: Ref.set(ref, undefined),
    current: Effect.flatMap(Ref.get(ref), (c) =>
      c === undefined ? Effect.fail(notLeading) : Effect.succeed(c)
    )
  }
}
