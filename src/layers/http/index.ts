// The scheduler's HTTP server with its API handlers, as one layer for the scheduler program.
import { Context, Layer } from "effect"
import { type ApiOptions, SchedulerApiLive } from "../api/index.ts"
import { type HttpServerOptions, makeSchedulerHttpServer, type RunningHttpServer } from "./server.ts"

export type { HttpServerOptions, RunningHttpServer } from "./server.ts"
export { DEFAULT_MAX_BODY_BYTES, makeSchedulerHttpServer } from "./server.ts"

/** Where the scheduler's HTTP server listens (the bound port when -http_port=0). */
export class SchedulerHttp extends Context.Tag("aurora/SchedulerHttp")<SchedulerHttp, RunningHttpServer>() {}

/**
 * Serves /api (every RPC), health, stats, the UI and the leader redirect until the layer's scope
 * closes. Needs Storage, SchedulerLifecycle, StateManager, TaskScheduler, MaintenanceController and
 * TaskReconciler (stand-ins answering "not READY" while the scheduler does not lead).
 */
export const SchedulerHttpLive = (http: HttpServerOptions, api: ApiOptions) =>
  Layer.scoped(
    SchedulerHttp,
    makeSchedulerHttpServer({ clusterName: api.clusterName, tiers: api.validation?.tiers, ...http })
  ).pipe(Layer.provide(SchedulerApiLive(api)))
