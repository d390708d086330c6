// What every handler file receives: the services it calls and the resolved options.
import type { RpcGroup } from "@effect/rpc"
import type { MaintenanceControllerShape } from "../../services/MaintenanceController.ts"
import type { SchedulerRpcs } from "../../services/SchedulerApi.ts"
import type { SchedulerLifecycleShape } from "../../services/SchedulerLifecycle.ts"
import type { StateManagerShape } from "../../services/StateManager.ts"
import type { StorageShape } from "../../services/Storage.ts"
import type { TaskReconcilerShape } from "../../services/TaskReconciler.ts"
import type { TaskSchedulerShape } from "../../services/TaskScheduler.ts"
import type { ResolvedApiOptions, respond } from "./common.ts"

export type Handlers = RpcGroup.HandlersFrom<RpcGroup.Rpcs<typeof SchedulerRpcs>>

export interface ApiDeps {
  readonly storage: StorageShape
  readonly stateManager: StateManagerShape
  readonly taskScheduler: TaskSchedulerShape
  readonly maintenance: MaintenanceControllerShape
  readonly reconciler: TaskReconcilerShape
  readonly lifecycle: SchedulerLifecycleShape
  readonly options: ResolvedApiOptions
  readonly respond: ReturnType<typeof respond>
}
