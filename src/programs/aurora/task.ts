/**
 * `aurora task run` (client-config.md §1.6): a command in each live instance's sandbox. On this
 * machine (the local agent's host) it runs through bash directly; elsewhere through ssh.
 */
import { spawn } from "node:child_process"
import { hostname, networkInterfaces } from "node:os"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { parseInstanceSpec } from "../../domain/client/index.ts"
import { clusterKeyToString } from "../../domain/config/index.ts"
import { LIVE_STATES, type ScheduledTask } from "../../domain/model/index.ts"
import { checkResponse, schedulerFor } from "./scheduler.ts"
import { CliExit, EXIT, out, parseArg, verboseOption } from "./shared.ts"
import { jobKeyOf } from "./wait.ts"

/**
 * The sandbox path template of §1.6 for one task (shell globs left for the shell). On this machine
 * the root is globbed too (`<slave_root>*`): the one-machine cluster's extra agents keep their work
 * dirs beside the first (`agent`, `agent2`, ...), and the task id picks the one directory.
 */
export const sandboxPath = (
  slaveRoot: string,
  runDirectory: string,
  taskId: string,
  executorSandbox: boolean,
  local = false
) =>
  `${slaveRoot.replace(/\/$/, "")}${local ? "*" : ""}/slaves/*/frameworks/*/executors/thermos-${taskId}/runs/${runDirectory}${executorSandbox ? "" : "/sandbox"}`

/** `{{mesos.instance}}`, `{{thermos.task_id}}` and `{{thermos.ports[name]}}` from the live task. */
export const substituteTask = (command: string, t: ScheduledTask): string =>
  command
    .replace(/\{\{\s*mesos\.instance\s*\}\}/g, String(t.assignedTask.instanceId))
    .replace(/\{\{\s*thermos\.task_id\s*\}\}/g, t.assignedTask.taskId)
    .replace(/\{\{\s*thermos\.ports\[([\w\-./]+)\]\s*\}\}/g, (whole, name: string) => {
      const port = t.assignedTask.assignedPorts[name]
      return port === undefined ? whole : String(port)
    })

/** Whether `host` is this machine: its names, its addresses, or any loopback address. */
const isLocalHost = (): ((host: string) => boolean) => {
  const names = new Set(["localhost", "::1", hostname()])
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address)
  return (host) => names.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** Runs one command and answers its combined output. */
const capture = (file: string, args: ReadonlyArray<string>) =>
  Effect.async<string>((resume) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] })
    const chunks: Array<Buffer> = []
    child.stdout.on("data", (c: Buffer) => chunks.push(c))
    child.stderr.on("data", (c: Buffer) => chunks.push(c))
    child.on("error", (e) => resume(Effect.succeed(`${file}: ${e.message}\n`)))
    child.on("close", () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
    return Effect.sync(() => child.kill("SIGTERM"))
  })

const run = Command.make(
  "run",
  {
    instanceSpec: Args.text({ name: "CLUSTER/ROLE/ENV/NAME[/INSTANCES]" }),
    command: Args.text({ name: "CMD" }),
    threads: Options.integer("threads").pipe(
      Options.withAlias("t"),
      Options.withDefault(1),
      Options.withDescription("Instances to run the command on at once")
    ),
    sshUser: Options.text("ssh-user").pipe(
      Options.withAlias("l"),
      Options.optional,
      Options.withDescription("ssh as this user (default: the job's role)")
    ),
    sshOptions: Options.text("ssh-options").pipe(
      Options.optional,
      Options.withDescription("Extra ssh options")
    ),
    executorSandbox: Options.boolean("executor-sandbox").pipe(
      Options.withDescription("Run in the executor's directory instead of the task's sandbox")
    ),
    verbose: verboseOption
  },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const spec = yield* parseArg("INSTANCE_SPEC", o.instanceSpec, parseInstanceSpec)
        if (o.threads < 1)
          return yield* new CliExit({ code: EXIT.ARGS, message: "argument --threads: must be at least 1" })
        const s = yield* schedulerFor(spec.job.cluster)
        const { slave_root: root, slave_run_directory: runDir } = s.cluster
        if (root === undefined || runDir === undefined)
          return yield* new CliExit({
            code: EXIT.INVALID_CONFIGURATION,
            message: `Cluster ${s.cluster.name} needs slave_root and slave_run_directory in clusters.json to find sandboxes`
          })
        const resp = yield* s.call("getTasksStatus", {
          query: {
            jobKeys: [jobKeyOf(spec.job)],
            statuses: [...LIVE_STATES],
            ...(spec.instances ? { instanceIds: spec.instances } : {})
          }
        })
        yield* checkResponse(resp, `Error querying tasks of ${clusterKeyToString(spec.job)}:`)
        const tasks = [...(resp.result?.scheduleStatusResult.tasks ?? [])].sort(
          (a, b) => a.assignedTask.instanceId - b.assignedTask.instanceId
        )
        if (tasks.length === 0)
          return yield* new CliExit({
            code: EXIT.INVALID_PARAMETER,
            message: `No live tasks found for ${o.instanceSpec}`
          })
        const isLocal = isLocalHost()
        yield* Effect.forEach(
          tasks,
          (t) =>
            Effect.gen(function* () {
              const host = t.assignedTask.slaveHost ?? "localhost"
              const local = isLocal(host)
              const sandbox = sandboxPath(root, runDir, t.assignedTask.taskId, o.executorSandbox, local)
              const command = `cd ${sandbox};${substituteTask(o.command, t)}`
              const output = local
                ? yield* capture("bash", ["-c", command])
                : yield* capture("ssh", [
                    "-n",
                    "-q",
                    ...(Option.isSome(o.sshOptions)
                      ? o.sshOptions.value.split(/\s+/).filter((w) => w !== "")
                      : []),
                    `${Option.getOrElse(o.sshUser, () => spec.job.role)}@${host}`,
                    command
                  ])
              for (const line of output.replace(/\n$/, "").split("\n"))
                if (output !== "") yield* out(`${host}:  ${line}`)
            }),
          { concurrency: o.threads, discard: true }
        )
      })
    )
).pipe(Command.withDescription("Run a shell command in the sandbox of each live instance"))

export const taskCommand = Command.make("task").pipe(
  Command.withDescription("Work with the tasks of a job"),
  Command.withSubcommands([run])
)
