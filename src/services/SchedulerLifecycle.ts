// The scheduler's lifecycle (api-storage-security.md §3.1) as the HTTP layer and admin calls see it.
import { Context, type Effect } from "effect"
import type { LeaderStatus } from "../domain/coordinator/index.ts"

export type LifecycleState =
  | "IDLE"
  | "PREPARING_STORAGE"
  | "STORAGE_PREPARED"
  | "LEADER_AWAITING_REGISTRATION"
  | "ACTIVE"
  | "DEAD"

export const LIFECYCLE_STATES: ReadonlyArray<LifecycleState> = [
  "IDLE",
  "PREPARING_STORAGE",
  "STORAGE_PREPARED",
  "LEADER_AWAITING_REGISTRATION",
  "ACTIVE",
  "DEAD"
]

export interface SchedulerLifecycleShape {
  readonly state: Effect.Effect<LifecycleState>
  /** Who leads, as seen from the member set (LEADING when the advertised leader is this scheduler). */
  readonly leaderStatus: Effect.Effect<LeaderStatus>
  /** Moves to DEAD: leaves the election, stops storage and the cluster driver, ends the process. */
  readonly shutdown: (reason: string) => Effect.Effect<void>
}

export class SchedulerLifecycle extends Context.Tag("aurora/SchedulerLifecycle")<
  SchedulerLifecycle,
  SchedulerLifecycleShape
>() {}
