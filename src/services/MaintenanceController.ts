import { Context, type Effect } from "effect"
import type { HostStatus, SlaPolicy } from "../domain/model/index.ts"

/** Host maintenance (§5): modes, drains and the SLA-aware poller. */
export interface MaintenanceControllerShape {
  readonly startMaintenance: (hosts: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<HostStatus>>
  readonly drain: (hosts: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<HostStatus>>
  readonly slaDrain: (
    hosts: ReadonlyArray<string>,
    defaultSlaPolicy: SlaPolicy,
    timeoutSecs: number
  ) => Effect.Effect<ReadonlyArray<HostStatus>>
  readonly endMaintenance: (hosts: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<HostStatus>>
  readonly status: (hosts: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<HostStatus>>
  /** One poller pass over DRAINING hosts. */
  readonly poll: Effect.Effect<void>
  /** A task on `host` reached a terminal state. */
  readonly taskTerminated: (host: string) => Effect.Effect<void>
  /** A Mesos inverse offer for `host` with this unavailability start. */
  readonly inverseOffer: (host: string, unavailabilityStartMs: number) => Effect.Effect<void>
}

export class MaintenanceController extends Context.Tag("MaintenanceController")<
  MaintenanceController,
  MaintenanceControllerShape
>() {}
