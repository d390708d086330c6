// The scheduler's RPC handlers: every RPC of SchedulerRpcs. Storage and the lifecycle exist from
// process start; the leader-only services come from the LeaderServicesSlot on each call, so a standby
// (or a leader still recovering) answers ERROR_TRANSIENT instead of failing to start its HTTP API.
import type { Rpc, RpcGroup } from "@effect/rpc"
import { Context, Effect, type Layer } from "effect"
import { type LeaderOnly, LeaderServicesSlot } from "../../services/LeaderServicesSlot.ts"
import { MaintenanceController } from "../../services/MaintenanceController.ts"
import { SchedulerRpcs } from "../../services/SchedulerApi.ts"
import { SchedulerLifecycle } from "../../services/SchedulerLifecycle.ts"
import { StateManager } from "../../services/StateManager.ts"
import { Storage } from "../../services/Storage.ts"
import { TaskReconciler } from "../../services/TaskReconciler.ts"
import { TaskScheduler } from "../../services/TaskScheduler.ts"
import { adminHandlers } from "./admin.ts"
import { type ApiOptions, resolveApiOptions, respond } from "./common.ts"
import type { ApiDeps, Handlers } from "./deps.ts"
import { jobHandlers } from "./jobs.ts"
import { maintenanceHandlers } from "./maintenance.ts"
import { readOnlyHandlers } from "./readOnly.ts"

export type { ApiOptions } from "./common.ts"

const allHandlers = (deps: ApiDeps) => ({
  ...readOnlyHandlers(deps),
  ...jobHandlers(deps),
  ...adminHandlers(deps),
  ...maintenanceHandlers(deps)
})

type AnyHandler = (payload: unknown, options: unknown) => Effect.Effect<unknown>

/** The handlers of every RPC, for RpcServer (see src/layers/http). */
export const SchedulerApiLive = (
  options: ApiOptions
): Layer.Layer<
  Rpc.ToHandler<RpcGroup.Rpcs<typeof SchedulerRpcs>>,
  never,
  Storage | SchedulerLifecycle | LeaderServicesSlot
> =>
  SchedulerRpcs.toLayer(
    Effect.gen(function* () {
      const storage = yield* Storage
      const lifecycle = yield* SchedulerLifecycle
      const slot = yield* LeaderServicesSlot
      const resolved = resolveApiOptions(options)
      const answer = respond(resolved)
      // Handlers are built once per leader term (the slot's context changes only between terms).
      let cache: { context: Context.Context<LeaderOnly>; handlers: Record<string, AnyHandler> } | undefined
      const current = Effect.map(slot.current, (context) => {
        if (cache?.context !== context) {
          const deps: ApiDeps = {
            storage,
            lifecycle,
            stateManager: Context.get(context, StateManager),
            taskScheduler: Context.get(context, TaskScheduler),
            maintenance: Context.get(context, MaintenanceController),
            reconciler: Context.get(context, TaskReconciler),
            options: resolved,
            respond: answer
          }
          cache = { context, handlers: allHandlers(deps) as unknown as Record<string, AnyHandler> }
        }
        return cache.handlers
      })
      const handlers: Record<string, AnyHandler> = {}
      for (const tag of SchedulerRpcs.requests.keys())
        handlers[tag] = (payload, opts) =>
          Effect.flatMap(Effect.either(current), (h) =>
            h._tag === "Left" ? answer(tag, Effect.fail(h.left)) : h.right[tag](payload, opts)
          )
      return handlers as unknown as Handlers
    })
  )

/** Compile-time check that the handler files cover every RPC of the group. */
export const _coversEveryRpc = (deps: ApiDeps): Handlers => allHandlers(deps)
