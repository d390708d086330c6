// The client's scheduler discovery through ZooKeeper (client-config §0.3): a short-lived session,
// one read of the serverset, the first member's https/http endpoint.

import { Effect, type Option } from "effect"
import { zkConnectString } from "../../domain/coordinator/serverset.ts"
import {
  Coordinator,
  type CoordinatorConfigInvalid,
  type CoordinatorError,
  type NoNode
} from "../../services/Coordinator.ts"
import { discoverSchedulerUrl } from "./serverset.ts"
import * as ZooKeeperCoordinator from "./zookeeper.ts"

export interface ZooKeeperCluster {
  /** clusters.json `zk`: comma-separated hosts. */
  readonly zk: string
  /** clusters.json `zk_port` (default 2181). */
  readonly zkPort?: number
  /** clusters.json `scheduler_zk_path`. */
  readonly schedulerZkPath: string
  /** Connection timeout (default 10 s, as the original client). */
  readonly timeoutMs?: number
}

/** The scheduler base URL (`http(s)://host:port`) advertised for `cluster`, if there is a member. */
export const discoverScheduler = (
  cluster: ZooKeeperCluster
): Effect.Effect<Option.Option<string>, NoNode | CoordinatorError | CoordinatorConfigInvalid> =>
  Effect.scoped(
    Effect.gen(function* () {
      const zk = yield* ZooKeeperCoordinator.make({
        endpoints: zkConnectString(cluster.zk, cluster.zkPort),
        connectionTimeoutMs: cluster.timeoutMs ?? 10_000
      })
      return yield* discoverSchedulerUrl(cluster.schedulerZkPath).pipe(Effect.provideService(Coordinator, zk))
    })
  )
