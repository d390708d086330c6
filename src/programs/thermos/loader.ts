import { readFileSync } from "node:fs"
import { Either } from "effect"
import { evaluateConfig, executorData } from "../../domain/config/index.ts"
import { decodeWithMessages } from "../../domain/model/decode.ts"
import { type Task, Task as TaskSchema, taskName } from "../../domain/thermos/config.ts"
import { nodeHost } from "../../layers/config/nodeHost.ts"

/**
 * Loads the task `thermos run` should run from a config file: an `.aurora` file (the tasks of its
 * jobs, evaluated by the config module), or JSON: a Thermos task (`{"processes": ...}`), a job or
 * executor data (`{"task": {...}}`), or a list under `tasks` or `jobs`.
 */
export const loadTaskConfig = (path: string, wanted?: string): Either.Either<Task, string> => {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (e) {
    return Either.left(`Could not read config ${path}: ${(e as Error).message}`)
  }
  const parsed = path.endsWith(".aurora") ? auroraTasks(text, path) : jsonCandidates(text, path)
  if (Either.isLeft(parsed)) return Either.left(parsed.left)
  const candidates = parsed.right
  if (candidates.length === 0) return Either.left(`${path}: no tasks found`)
  const decoded: Array<Task> = []
  for (const [i, c] of candidates.entries()) {
    const r = decodeWithMessages(TaskSchema)(c)
    if (Either.isLeft(r)) return Either.left(`${path}: task ${i}: ${r.left.join("; ")}`)
    decoded.push({ ...r.right, name: taskName(r.right) })
  }
  if (wanted !== undefined) {
    const t = decoded.find((d) => d.name === wanted)
    return t === undefined
      ? Either.left(`Unknown task ${wanted}; tasks in ${path}: ${decoded.map((d) => d.name).join(", ")}`)
      : Either.right(t)
  }
  if (decoded.length > 1)
    return Either.left(
      `${path} has several tasks (${decoded.map((d) => d.name).join(", ")}); choose one with --task`
    )
  return Either.right(decoded[0])
}

const jsonCandidates = (text: string, path: string): Either.Either<ReadonlyArray<unknown>, string> => {
  try {
    return Either.right(candidatesOf(JSON.parse(text)))
  } catch (e) {
    return Either.left(`${path}: not valid JSON: ${(e as Error).message}`)
  }
}

/** The Thermos task of every job in an `.aurora` file, as the executor would receive it (§4.4). */
const auroraTasks = (text: string, path: string): Either.Either<ReadonlyArray<unknown>, string> =>
  Either.flatMap(evaluateConfig(text, path, nodeHost()), ({ jobs }) =>
    Either.try({
      try: () => jobs.map((job) => (JSON.parse(executorData(job)) as { task?: unknown }).task),
      catch: (e) => `${path}: ${e instanceof Error ? e.message : String(e)}`
    })
  )

const candidatesOf = (json: unknown): ReadonlyArray<unknown> => {
  if (json === null || typeof json !== "object") return []
  const o = json as Record<string, unknown>
  if (Array.isArray(o.tasks)) return o.tasks
  if (Array.isArray(o.jobs)) return o.jobs.map((j) => (j as Record<string, unknown>)?.task)
  if (o.task !== undefined) return [o.task]
  if (o.processes !== undefined) return [o]
  return []
}
