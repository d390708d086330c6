import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Scope } from "effect"
import { describe } from "vitest"
import { containerProcesses } from "../../../src/layers/cluster/localAgent/executors.ts"
import { defaultExecutorCommand, startLocalAgent } from "../../../src/layers/cluster/localAgent/index.ts"
import { makeMesosHttp } from "../../../src/layers/cluster/mesosHttp.ts"
import { contractSuite } from "./contract.ts"

describe("mesosHttp client against the local agent over HTTP", () => {
  contractSuite(async (scope) => {
    const workDir = mkdtempSync(join(tmpdir(), "aurora-agent-"))
    const agent = await Effect.runPromise(
      Scope.extend(
        startLocalAgent({
          workDir,
          hostname: "localhost",
          cpus: 2,
          memMb: 1024,
          heartbeatSeconds: 0.2,
          allocationIntervalMs: 100,
          resendMs: 500,
          killGraceSeconds: 3
        }),
        scope
      )
    )
    // Registered after the agent's own release, so it runs first: executors die before the dir goes.
    Effect.runSync(
      Scope.addFinalizer(
        scope,
        Effect.promise(async () => {
          await agent.killAll()
          rmSync(workDir, { recursive: true, force: true })
        })
      )
    )
    const manager = await Effect.runPromise(
      Scope.extend(
        makeMesosHttp({
          master: agent.url,
          // Aurora's -thermos_executor_flags: a short kill budget keeps the kill test quick.
          executor: { command: `${defaultExecutorCommand()} --preemption-wait-secs 1` },
          backoffInitialMs: 50,
          backoffMaxMs: 500
        }),
        scope
      )
    )
    return {
      manager,
      loseHeartbeat: async () => agent.muteStream(),
      sandbox: (taskId) => agent.tasks().find((t) => t.taskId === taskId)?.runDir,
      leftovers: (taskId) => {
        const run = agent.tasks().find((t) => t.taskId === taskId)?.runDir
        return run === undefined ? 0 : containerProcesses(run).length
      }
    }
  })
})
