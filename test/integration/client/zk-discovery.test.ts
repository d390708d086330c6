// `aurora` finding its scheduler through a real ZooKeeper serverset (clusters.json `zk`).
import { Effect, Exit, Option, Scope, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { schedulerMember } from "../../../src/domain/coordinator/serverset.ts"
import * as Serverset from "../../../src/layers/coordinator/serverset.ts"
import * as ZooKeeperCoordinator from "../../../src/layers/coordinator/zookeeper.ts"
import { Coordinator } from "../../../src/services/Coordinator.ts"
import {
  startZooKeeper,
  warnIfZooKeeperMissing,
  type ZooKeeperEnsemble,
  zooKeeperAvailable
} from "../support/zookeeper.ts"
import { type FakeScheduler, startFakeScheduler } from "./fakeScheduler.ts"
import { type CliEnv, cliEnv } from "./support.ts"

warnIfZooKeeperMissing("aurora client ZooKeeper discovery")

const PATH = "/aurora/scheduler"

describe.skipIf(!zooKeeperAvailable.ok)("aurora client ZooKeeper discovery", () => {
  let zk: ZooKeeperEnsemble
  let fake: FakeScheduler
  let cli: CliEnv
  let scope: Scope.CloseableScope

  beforeAll(async () => {
    ;[zk, fake] = await Promise.all([startZooKeeper({ servers: 1 }), startFakeScheduler()])
    const port = zk.servers[0].clientPort
    cli = cliEnv([
      { name: "zk", zk: "127.0.0.1", zk_port: port, scheduler_zk_path: PATH },
      { name: "empty", zk: "127.0.0.1", zk_port: port, scheduler_zk_path: "/nobody/home" }
    ])
    scope = Effect.runSync(Scope.make())
    await Effect.runPromise(
      Effect.gen(function* () {
        const coordinator = yield* ZooKeeperCoordinator.make({ endpoints: zk.connectString })
        const ad = yield* Serverset.advertise(PATH, schedulerMember("127.0.0.1", fake.port)).pipe(
          Effect.provideService(Coordinator, coordinator)
        )
        yield* ad.nodes.pipe(Stream.filter(Option.isSome), Stream.runHead)
      }).pipe(Scope.extend(scope))
    )
  }, 60_000)

  afterAll(async () => {
    if (scope) await Effect.runPromise(Scope.close(scope, Exit.void))
    await fake?.close()
    await zk?.stop()
    cli?.cleanup()
  })

  it("reaches the advertised leader", async () => {
    const [quota, where] = await Promise.all([
      cli.aurora("quota", "get", "zk/www-data"),
      cli.admin("get_scheduler", "zk")
    ])
    expect(quota.code).toBe(0)
    expect(quota.stdout).toContain("Allocated:")
    expect(where.stdout).toBe(`Found leading scheduler at: http://127.0.0.1:${fake.port}\n`)
  })

  it("no advertised scheduler: a clear message and exit 9", async () => {
    const r = await cli.run("aurora", ["quota", "get", "empty/www-data"], {
      AURORA_CLIENT_MAX_WAIT_SECS: "1"
    })
    expect(r.code).toBe(9)
    expect(r.stderr).toContain("Could not find the scheduler of cluster empty in ZooKeeper")
  })
})
