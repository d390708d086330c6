import { Effect } from "effect"
import { afterAll, beforeAll, describe } from "vitest"
import * as ZooKeeperCoordinator from "../../../src/layers/coordinator/zookeeper.ts"
import { recipeSuite } from "../../unit/coordinator/recipes.ts"
import { startProxy } from "../support/tcpProxy.ts"
import {
  startZooKeeper,
  warnIfZooKeeperMissing,
  type ZooKeeperEnsemble,
  zooKeeperAvailable
} from "../support/zookeeper.ts"

warnIfZooKeeperMissing("leader election and serverset on ZooKeeper")

const SESSION_MS = 2000

describe.skipIf(!zooKeeperAvailable.ok)("real ZooKeeper, one server", () => {
  let zk: ZooKeeperEnsemble
  beforeAll(async () => {
    zk = await startZooKeeper({ servers: 1 })
  })
  afterAll(async () => {
    await zk?.stop()
  })
  // Each participant reaches the server through its own proxy; `kill` cuts it for longer than the
  // session timeout, so the server expires the session while the client lives on (then reconnects).
  recipeSuite("zookeeper", () => ({
    open: () =>
      Effect.gen(function* () {
        const proxy = yield* Effect.acquireRelease(
          Effect.promise(() => startProxy(zk.servers[0].clientPort)),
          (p) => Effect.promise(() => p.close())
        )
        const service = yield* ZooKeeperCoordinator.make({
          endpoints: `127.0.0.1:${proxy.port}`,
          sessionTimeoutMs: SESSION_MS
        })
        return { service, kill: Effect.sync(() => proxy.cut(SESSION_MS * 1.5)) }
      }),
    takeoverMs: SESSION_MS * 4
  }))
})
