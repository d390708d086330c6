import { afterAll, beforeAll, describe } from "vitest"
import * as ZooKeeperCoordinator from "../../../src/layers/coordinator/zookeeper.ts"
import { coordinatorContract } from "../../unit/coordinator/contract.ts"
import {
  startZooKeeper,
  warnIfZooKeeperMissing,
  type ZooKeeperEnsemble,
  zooKeeperAvailable
} from "../support/zookeeper.ts"

warnIfZooKeeperMissing("ZooKeeper coordinator contract")

describe.skipIf(!zooKeeperAvailable.ok)("real ZooKeeper", () => {
  let zk: ZooKeeperEnsemble
  beforeAll(async () => {
    zk = await startZooKeeper({ servers: 1 })
  })
  afterAll(async () => {
    await zk?.stop()
  })
  coordinatorContract("zookeeper", () => ({
    open: () => ZooKeeperCoordinator.make({ endpoints: zk.connectString, sessionTimeoutMs: 4000 })
  }))
})
