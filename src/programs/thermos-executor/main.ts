/**
 * thermos-executor: runs one Aurora task on this machine.
 *
 * Protocol with the launcher (the scheduler's local agent, or a test):
 *  - The task comes from `--task-file PATH`, or else as the FIRST LINE of stdin: one JSON object
 *    `{"taskId", "instanceId", "hostname", "assignedPorts": {name: port}, "executorData": <JSON string
 *    or object of client-config.md §4.4>}`; an AssignedTask with `task.executorConfig.data` and
 *    `slaveHost` is accepted as well.
 *  - Every status update is written to stdout as one JSON line:
 *    `{"taskId","state":"TASK_STARTING|TASK_RUNNING|TASK_FINISHED|TASK_FAILED|TASK_KILLED|TASK_LOST",
 *      "message","timestamp"}`. Nothing else goes to stdout (logs go to stderr).
 *  - Later stdin lines are commands: `kill` (or `{"kill":true}`) starts the kill escalation.
 *    SIGTERM and SIGINT do the same.
 *  - The process exits 0 right after sending the terminal update (FINISHED/FAILED/KILLED/LOST).
 */
import { readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { createInterface } from "node:readline"
import { Command, Options } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Logger, Option } from "effect"
import { startExecutor } from "../../layers/executor/executor.ts"
import { ProcessSpawnerNode } from "../../layers/process/node.ts"
import { StatusReporterJsonLines } from "../../services/StatusReporter.ts"

const taskFile = Options.text("task-file").pipe(
  Options.optional,
  Options.withDescription("File holding the launch JSON; without it the first stdin line is read")
)
const sandbox = Options.text("sandbox").pipe(
  Options.optional,
  Options.withDescription("Task sandbox (default $MESOS_DIRECTORY/sandbox, else ./sandbox)")
)
const checkpointRoot = Options.text("checkpoint-root").pipe(
  Options.optional,
  Options.withDescription("Checkpoint root (default: <sandbox>/../checkpoints)")
)
const preemptionWait = Options.float("preemption-wait-secs").pipe(
  Options.withDefault(60),
  Options.withDescription("Budget for SIGTERM and finalizers when the task is killed")
)
const hostnameOpt = Options.text("hostname").pipe(
  Options.optional,
  Options.withDescription("Host name of this agent")
)

const stdinLines = () => createInterface({ input: process.stdin, terminal: false })

const command = Command.make(
  "thermos-executor",
  { taskFile, sandbox, checkpointRoot, preemptionWait, hostname: hostnameOpt },
  (args) =>
    Effect.gen(function* () {
      const lines = stdinLines()
      const iterator = lines[Symbol.asyncIterator]()
      const raw = Option.isSome(args.taskFile)
        ? readFileSync(args.taskFile.value, "utf8")
        : ((yield* Effect.promise(() => iterator.next())).value ?? "")
      let launch: unknown
      try {
        launch = JSON.parse(raw)
      } catch {
        launch = null
      }
      const box = resolve(
        Option.getOrElse(args.sandbox, () =>
          process.env.MESOS_DIRECTORY ? join(process.env.MESOS_DIRECTORY, "sandbox") : "sandbox"
        )
      )
      const ex = yield* startExecutor(launch, {
        sandbox: box,
        checkpointRoot: resolve(
          Option.getOrElse(args.checkpointRoot, () => join(dirname(box), "checkpoints"))
        ),
        preemptionWaitMs: args.preemptionWait * 1000,
        hostname: Option.getOrUndefined(args.hostname)
      })
      const kill = () => Effect.runFork(ex.kill())
      process.on("SIGTERM", kill)
      process.on("SIGINT", kill)
      void (async () => {
        for await (const line of { [Symbol.asyncIterator]: () => iterator }) {
          const cmd = line.trim()
          if (cmd === "kill" || cmd === '{"kill":true}') kill()
        }
      })()
      yield* ex.done
      lines.close()
      process.exit(0)
    }).pipe(
      Effect.provide(
        Layer.merge(
          ProcessSpawnerNode,
          StatusReporterJsonLines((l) => process.stdout.write(l))
        )
      )
    )
).pipe(Command.withDescription("Runs one Thermos task and reports its status as JSON lines on stdout"))

const stderrLogger = Logger.map(Logger.logfmtLogger, (line) => process.stderr.write(`${line}\n`))

Command.run(command, { name: "thermos-executor", version: "0.1.0" })(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  Effect.provide(Logger.replace(Logger.defaultLogger, stderrLogger)),
  NodeRuntime.runMain
)
