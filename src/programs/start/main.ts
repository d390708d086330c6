/**
 * `npm start`: a one-machine Aurora cluster on the embedded defaults. Starts the local agent, one
 * scheduler (embedded coordinator, one-replica log on SQLite) and the Thermos observer as child
 * processes, keeps their logs and all state in one data directory, and stops them on Ctrl-C.
 * Starting again recovers the jobs from the log.
 */
import { Command, Options } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { type DevCluster, devClusterPaths, runDevCluster } from "./devcluster.ts"

const dataDir = Options.directory("data-dir").pipe(
  Options.optional,
  Options.withDescription(
    "where state and logs are kept (default $AURORA_DEVCLUSTER_DIR or ~/.aurora/devcluster)"
  )
)
const httpPort = Options.integer("http-port").pipe(
  Options.withDefault(8081),
  Options.withDescription("scheduler HTTP port")
)
const observerPort = Options.integer("observer-port").pipe(
  Options.withDefault(1338),
  Options.withDescription("Thermos observer HTTP port")
)
const agentPort = Options.integer("agent-port").pipe(
  Options.withDefault(5051),
  Options.withDescription("local agent port (the Mesos v1 scheduler API the scheduler talks to)")
)
const agents = Options.integer("agents").pipe(
  Options.withDefault(1),
  Options.withDescription("local agents to run (more than one gives several hosts: 127.0.0.2, 127.0.0.3 ...)")
)
const cpus = Options.float("cpus").pipe(
  Options.withDefault(4),
  Options.withDescription("CPUs the agent offers")
)
const memMb = Options.integer("mem-mb").pipe(
  Options.withDefault(4096),
  Options.withDescription("RAM (MB) the agent offers")
)
const diskMb = Options.integer("disk-mb").pipe(
  Options.withDefault(10240),
  Options.withDescription("disk (MB) the agent offers")
)

const start = Command.make(
  "start",
  { dataDir, httpPort, observerPort, agentPort, agents, cpus, memMb, diskMb },
  (flags) => {
    const cluster: DevCluster = {
      paths: devClusterPaths(flags.dataDir._tag === "Some" ? flags.dataDir.value : undefined),
      httpPort: flags.httpPort,
      observerPort: flags.observerPort,
      agentPort: flags.agentPort,
      agents: flags.agents,
      cpus: flags.cpus,
      memMb: flags.memMb,
      diskMb: flags.diskMb
    }
    return runDevCluster(cluster).pipe(
      Effect.catchTag("DevClusterFailed", (e) =>
        Console.error(`npm start: ${e.message}`).pipe(
          Effect.zipRight(
            Effect.sync(() => {
              process.exitCode = 1
            })
          )
        )
      )
    )
  }
).pipe(
  Command.withDescription(
    "Start a one-machine Aurora cluster (scheduler with web UI, local agent, Thermos observer); Ctrl-C stops it."
  )
)

Command.run(start, { name: "npm start", version: "0.1.0" })(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
