import { Either, Schema } from "effect"
import { decodeWithMessages } from "../model/decode.ts"
import { resolvePorts } from "./announce.ts"
import { ExecutorData, type Task, taskName } from "./config.ts"
import { interpolateDeep } from "./template.ts"
import { validateTask } from "./validate.ts"

/**
 * What a launcher hands `thermos-executor`: the task id, instance, host, assigned ports and the
 * executor data (client-config.md §4.4), either directly as `executorData` (a JSON string or
 * object) or inside an AssignedTask-shaped `task.executorConfig.data`.
 */
export const LaunchTask = Schema.Struct({
  taskId: Schema.String,
  instanceId: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  slaveHost: Schema.optional(Schema.String),
  hostname: Schema.optional(Schema.String),
  assignedPorts: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Int }), {
    default: () => ({})
  }),
  executorData: Schema.optional(Schema.Unknown),
  task: Schema.optional(
    Schema.Struct({
      executorConfig: Schema.optional(Schema.Struct({ name: Schema.String, data: Schema.String }))
    })
  )
})
export type LaunchTask = typeof LaunchTask.Type

export interface PreparedTask {
  readonly taskId: string
  readonly instance: number
  readonly hostname: string
  readonly ports: Readonly<Record<string, number>>
  readonly data: ExecutorData
  /** The Thermos task with every executor ref filled in. */
  readonly task: Task
}

export const decodeLaunch = decodeWithMessages(LaunchTask)
const decodeData = decodeWithMessages(ExecutorData)

const parseData = (raw: unknown): Either.Either<unknown, ReadonlyArray<string>> => {
  if (typeof raw !== "string") return Either.right(raw)
  try {
    return Either.right(JSON.parse(raw))
  } catch (e) {
    return Either.left([`executor data is not JSON: ${(e as Error).message}`])
  }
}

/** Decodes the executor data of a launch (errors name the field). */
export const executorDataOf = (launch: LaunchTask): Either.Either<ExecutorData, ReadonlyArray<string>> => {
  const raw = launch.executorData ?? launch.task?.executorConfig?.data
  if (raw === undefined) return Either.left(["no executor data (executorData or task.executorConfig.data)"])
  return Either.flatMap(parseData(raw), decodeData)
}

/** Resolves ports, fills `{{mesos.*}}`/`{{thermos.*}}` refs and validates the task. */
export const prepareTask = (
  launch: LaunchTask,
  data: ExecutorData,
  user: string,
  defaultHost: string
): Either.Either<PreparedTask, string> =>
  Either.gen(function* () {
    const ports = yield* resolvePorts(data.announce, launch.assignedPorts)
    const instance = launch.instanceId ?? data.instance ?? 0
    const hostname = launch.hostname ?? launch.slaveHost ?? defaultHost
    const ctx = { instance, hostname, taskId: launch.taskId, user, ports }
    const named = { ...data.task, name: taskName(data.task) }
    const task = yield* Either.mapLeft(interpolateDeep(named, ctx), (refs) =>
      refs.some((r) => r.startsWith("thermos.ports["))
        ? `Task requires unbound port(s): ${refs.join(", ")}`
        : `Unbound template refs: ${refs.join(", ")}`
    )
    const health = yield* Either.mapLeft(
      interpolateDeep(data.health_check_config, ctx),
      (refs) => `Unbound template refs in health check: ${refs.join(", ")}`
    )
    const problems = validateTask(task)
    if (problems.length > 0) return yield* Either.left(problems.join("; "))
    return {
      taskId: launch.taskId,
      instance,
      hostname,
      ports,
      data: { ...data, health_check_config: health },
      task
    }
  })
