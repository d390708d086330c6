/**
 * thermos: run, inspect, kill and observe Thermos tasks on this machine (executor.md §10).
 *   thermos run [--root R] [--sandbox S] [--task_id ID] [--task NAME] [-P name:port]... [-E NAME=VALUE]... CONFIG
 *   thermos kill [--root R] TASK_ID_REGEX...
 *   thermos status [--root R] [--verbosity 0-3] [--only active|finished] [TASK_ID_REGEX...]
 *   thermos tail [--root R] [--stderr] TASK_ID [PROCESS]
 *   thermos observe [--root R]... [--mesos-root DIR] [--ip 0.0.0.0] [--port 1338]   (the observer's web pages and JSON)
 *   thermos help [COMMAND]
 */
import { Args, Command, Options } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect, Logger, Option } from "effect"
import { discoverRoots } from "../../layers/executor/task-store.ts"
import { killCommand, observeCommand, statusCommand, tailCommand } from "./inspect.ts"
import { runCommand } from "./run.ts"

const root = Options.text("root").pipe(
  Options.repeated,
  Options.withDescription("Checkpoint root (repeatable; default /var/run/thermos)")
)
const mesosRoot = Options.text("mesos-root").pipe(
  Options.optional,
  Options.withDescription("Also scan every executor's checkpoint root under this Mesos work dir")
)
/** Explicit roots, plus executor roots under --mesos-root; /var/run/thermos when neither is given. */
const roots = (r: ReadonlyArray<string>, m: Option.Option<string> = Option.none()) =>
  r.length === 0 && Option.isNone(m)
    ? ["/var/run/thermos"]
    : [...r, ...(Option.isSome(m) ? discoverRoots(m.value) : [])]

const run = Command.make(
  "run",
  {
    root: Options.text("root").pipe(
      Options.withDefault("/var/run/thermos"),
      Options.withDescription("Checkpoint root")
    ),
    sandbox: Options.text("sandbox").pipe(
      Options.withDefault("/var/lib/thermos/sandbox"),
      Options.withDescription("Sandbox the processes run in (used as is)")
    ),
    taskId: Options.text("task_id").pipe(
      Options.optional,
      Options.withDescription("Task id (default NAME-DATE-TIME.USEC)")
    ),
    task: Options.text("task").pipe(
      Options.optional,
      Options.withDescription("Which task of the config to run")
    ),
    ports: Options.text("P").pipe(Options.repeated, Options.withDescription("Bind a port: -P name:port")),
    env: Options.text("E").pipe(
      Options.repeated,
      Options.withDescription("Set an environment variable: -E NAME=VALUE")
    ),
    config: Args.text({ name: "config" }).pipe(
      Args.withDescription("Task config: an .aurora file, or a JSON Thermos task")
    )
  },
  (a) => runCommand(a)
).pipe(Command.withDescription("Run a task locally, in the foreground; ^C kills it"))

const kill = Command.make(
  "kill",
  { root, mesosRoot, ids: Args.text({ name: "task_id_regex" }).pipe(Args.repeated) },
  (a) => killCommand(roots(a.root, a.mesosRoot), a.ids)
).pipe(Command.withDescription("Kill active tasks whose id matches (from their checkpoints)"))

const status = Command.make(
  "status",
  {
    root,
    mesosRoot,
    verbosity: Options.integer("verbosity").pipe(Options.withDefault(0), Options.withDescription("0 to 3")),
    only: Options.choice("only", ["active", "finished"]).pipe(Options.optional),
    ids: Args.text({ name: "task_id_regex" }).pipe(Args.repeated)
  },
  (a) => statusCommand(roots(a.root, a.mesosRoot), a.verbosity, a.only, a.ids)
).pipe(Command.withDescription("List tasks and their state"))

const tail = Command.make(
  "tail",
  {
    root,
    mesosRoot,
    stderr: Options.boolean("stderr").pipe(Options.withDescription("Show stderr instead of stdout")),
    taskId: Args.text({ name: "task_id" }),
    process: Args.text({ name: "process" }).pipe(Args.optional)
  },
  (a) => tailCommand(roots(a.root, a.mesosRoot), a.taskId, a.process, a.stderr)
).pipe(Command.withDescription("Print a process's log, following it while the process runs"))

const observe = Command.make(
  "observe",
  {
    root,
    mesosRoot: Options.text("mesos-root").pipe(
      Options.optional,
      Options.withDescription("Also serve every executor's checkpoints under this Mesos work dir")
    ),
    ip: Options.text("ip").pipe(Options.withDefault("0.0.0.0")),
    port: Options.integer("port").pipe(Options.withDefault(1338))
  },
  (a) =>
    observeCommand(
      a.root.length > 0 || a.mesosRoot._tag === "None" ? roots(a.root) : [],
      a.mesosRoot,
      a.ip,
      a.port
    )
).pipe(
  Command.withDescription(
    "Serve the observer: task lists (/), task pages (/task/ID), process runs (/process/ID/NAME), logs " +
      "(/logs/ID/NAME/RUN/stdout|stderr), sandbox browsing and downloads, and JSON under /j/ (task_ids, " +
      "task_id_count, task, process, processes), /logdata, /filedata, /health"
  )
)

const help = Command.make("help", { command: Args.text({ name: "command" }).pipe(Args.optional) }, (a) =>
  cli(["node", "thermos", ...(a.command._tag === "Some" ? [a.command.value] : []), "--help"])
).pipe(Command.withDescription("Show help for thermos or one of its commands"))

const thermos = Command.make("thermos").pipe(
  Command.withDescription("Run and inspect Thermos tasks"),
  Command.withSubcommands([run, kill, status, tail, observe, help])
)

const cli = (argv: ReadonlyArray<string>): Effect.Effect<void, unknown, NodeContext.NodeContext> =>
  Command.run(thermos, { name: "thermos", version: "0.1.0" })(argv) as Effect.Effect<
    void,
    unknown,
    NodeContext.NodeContext
  >

const stderrLogger = Logger.map(Logger.logfmtLogger, (line) => process.stderr.write(`${line}\n`))

cli(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  Effect.provide(Logger.replace(Logger.defaultLogger, stderrLogger)),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
