import { readFileSync } from "node:fs"
import { Either } from "effect"
import { decodeWithMessages } from "../../domain/model/decode.ts"
import { type Task, Task as TaskSchema, taskName } from "../../domain/thermos/config.ts"

/**
 * Loads the task `thermos run` should run from a config file. Today: JSON, either a Thermos task
 * (`{"processes": ...}`), a job / executor data (`{"task": {...}}`), or a list under `tasks` or
 * `jobs`. `.aurora` files will be evaluated by the config module; this is the one place to wire it.
 */
export const loadTaskConfig = (path: string, wanted?: string): Either.Either<Task, string> => {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (e) {
    return Either.left(`Could not read config ${path}: ${(e as Error).message}`)
  }
  if (path.endsWith(".aurora"))
    return Either.left(`${path}: loading .aurora files is not available yet in thermos run; pass a JSON task`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return Either.left(`${path}: not valid JSON: ${(e as Error).message}`)
  }
  const candidates = candidatesOf(json)
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

const candidatesOf = (json: unknown): ReadonlyArray<unknown> => {
  if (json === null || typeof json !== "object") return []
  const o = json as Record<string, unknown>
  if (Array.isArray(o.tasks)) return o.tasks
  if (Array.isArray(o.jobs)) return o.jobs.map((j) => (j as Record<string, unknown>)?.task)
  if (o.task !== undefined) return [o.task]
  if (o.processes !== undefined) return [o]
  return []
}
