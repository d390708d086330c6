import { hostname, userInfo } from "node:os"
import { resolve } from "node:path"
import { Clock, Effect, Either, Fiber, Option } from "effect"
import { defaultTaskId } from "../../domain/thermos/paths.ts"
import { interpolateDeep } from "../../domain/thermos/template.ts"
import { describeRunnerError, makeRunner } from "../../layers/executor/runner.ts"
import { ProcessSpawnerNode } from "../../layers/process/node.ts"
import { loadTaskConfig } from "./loader.ts"

/** Prints a user error and sets a non-zero exit code (no stack traces). */
export const fail = (message: string, code = 1) =>
  Effect.sync(() => {
    process.stderr.write(`${message}\n`)
    process.exitCode = code
  })

const parsePorts = (specs: ReadonlyArray<string>): Either.Either<Record<string, number>, string> => {
  const out: Record<string, number> = {}
  for (const s of specs) {
    const m = /^([\w\-./]+):(\d+)$/.exec(s)
    if (!m) return Either.left(`Invalid -P ${s}: expected name:port`)
    out[m[1]] = Number(m[2])
  }
  return Either.right(out)
}

const parseEnv = (specs: ReadonlyArray<string>): Either.Either<Record<string, string>, string> => {
  const out: Record<string, string> = {}
  for (const s of specs) {
    const i = s.indexOf("=")
    if (i <= 0) return Either.left(`Invalid -E ${s}: expected NAME=VALUE`)
    out[s.slice(0, i)] = s.slice(i + 1)
  }
  return Either.right(out)
}

export const runCommand = (a: {
  readonly root: string
  readonly sandbox: string
  readonly taskId: Option.Option<string>
  readonly task: Option.Option<string>
  readonly ports: ReadonlyArray<string>
  readonly env: ReadonlyArray<string>
  readonly config: string
}) =>
  Effect.gen(function* () {
    const loaded = loadTaskConfig(a.config, Option.getOrUndefined(a.task))
    if (Either.isLeft(loaded)) return yield* fail(loaded.left, 2)
    const ports = parsePorts(a.ports)
    if (Either.isLeft(ports)) return yield* fail(ports.left, 2)
    const env = parseEnv(a.env)
    if (Either.isLeft(env)) return yield* fail(env.left, 2)
    const user = userInfo().username
    const taskId = Option.getOrElse(a.taskId, () => defaultTaskId(loaded.right.name ?? "task", Date.now()))
    const task = interpolateDeep(loaded.right, { ports: ports.right, taskId, user })
    if (Either.isLeft(task)) {
      const unboundPorts = task.left.filter((r) => r.startsWith("thermos.ports["))
      return yield* fail(
        unboundPorts.length > 0
          ? `ERROR!  Unbound ports: ${unboundPorts.map((r) => r.slice(14, -1)).join(", ")}`
          : `ERROR!  Unbound refs: ${task.left.join(", ")}`,
        2
      )
    }
    const runner = yield* Effect.either(
      makeRunner({
        root: resolve(a.root),
        taskId,
        task: task.right,
        sandbox: resolve(a.sandbox),
        hostname: hostname(),
        user,
        ports: ports.right,
        env: env.right,
        runLimit: Number.POSITIVE_INFINITY
      })
    )
    if (Either.isLeft(runner)) return yield* fail(`ERROR!  ${describeRunnerError(runner.left)}`, 2)
    process.stderr.write(`Running task ${taskId} (checkpoint root ${resolve(a.root)})\n`)
    const fiber = yield* Effect.fork(runner.right.run)
    const onSignal = () => Effect.runFork(runner.right.kill())
    process.on("SIGINT", onSignal)
    process.on("SIGTERM", onSignal)
    const state = yield* Fiber.join(fiber)
    process.off("SIGINT", onSignal)
    process.off("SIGTERM", onSignal)
    const at = new Date(yield* Clock.currentTimeMillis).toISOString()
    process.stdout.write(`Task ${taskId} finished: ${state} at ${at}\n`)
    if (state !== "SUCCESS") process.exitCode = 1
  }).pipe(Effect.provide(ProcessSpawnerNode))
