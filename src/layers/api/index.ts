// The scheduler's RPC handlers: every RPC of SchedulerRpcs, over the services they call. The scheduler
// program serves them from process start; while it does not lead, the leader-only services are
// stand-ins answering "Storage is not READY" (src/layers/scheduler/standby.ts), which callers get as
// ERROR_TRANSIENT.
import type { Rpc, RpcGroup } from "@effect/rpc"
import { Effect, type Layer } from "effect"
import { MaintenanceController } from "../../services/MaintenanceController.ts"
import { SchedulerRpcs } from "../../services/SchedulerApi.ts"
import { SchedulerLifecycle } from "../../services/SchedulerLifecycle.ts"
import { StateManager } from "../../services/StateManager.ts"
import { Storage } from "../../services/Storage.ts"
import { TaskReconciler } from "../../services/TaskReconciler.ts"
import { TaskScheduler } from "../../services/TaskScheduler.ts"
import { adminHandlers } from "./admin.ts"
import { type ApiOptions, resolveApiOptions, respond } from "./common.ts"
import type { ApiDeps } from "./deps.ts"
import { jobHandlers } from "./jobs.ts"
import { maintenanceHandlers } from "./maintenance.ts"
import { readOnlyHandlers } from "./readOnly.ts"

export type { ApiOptions } from "./common.ts"

export const makeApiDeps = (options: ApiOptions) =>
  Effect.gen(function* () {
    const resolved = resolveApiOptions(options)
    return {
      storage: yield* Storage,
      stateManager: yield* StateManager,
      taskScheduler: yield* TaskScheduler,
      maintenance: yield* MaintenanceController,
      reconciler: yield* TaskReconciler,
      lifecycle: yield* SchedulerLifecycle,
      options: resolved,
      respond: respond(resolved)
    } satisfies ApiDeps
  })

/** The handlers of every RPC, for RpcServer (see src/layers/http). */
export const SchedulerApiLive = (
  options: ApiOptions
): Layer.Layer<
  Rpc.ToHandler<RpcGroup.Rpcs<typeof SchedulerRpcs>>,
  never,
  Storage | StateManager | TaskScheduler | MaintenanceController | TaskReconciler | SchedulerLifecycle
> =>
  SchedulerRpcs.toLayer(
    Effect.map(makeApiDeps(options), (deps) => ({
      ...readOnlyHandlers(deps),
      ...jobHandlers(deps),
      ...adminHandlers(deps),
      ...maintenanceHandlers(deps)
    }))
  )
