// Shared plumbing of the API handlers: options, the Response envelope, error mapping and the per-RPC
// metrics of api-storage-security.md §1 and §4.4.
import { Cause, Clock, Effect, Either, Metric, ParseResult, Schema } from "effect"
import {
  type JobKey,
  JobKey as JobKeySchema,
  type ResponseCode,
  type ScheduledTask,
  TaskQuery,
  type TaskQuery as TaskQueryType
} from "../../domain/model/index.ts"
import {
  DEFAULT_MAX_TASKS_PER_JOB,
  DEFAULT_VALIDATION,
  type ValidationSettings
} from "../../domain/placement/index.ts"
import type { StoresView } from "../../domain/storage/index.ts"
import type { Response } from "../../services/SchedulerApi.ts"

export interface ApiOptions {
  /** -cluster_name, stamped on every response. */
  readonly clusterName: string
  /** -viz_job_url_prefix */
  readonly statsUrlPrefix?: string
  /** -max_tasks_per_job (4000) */
  readonly maxTasksPerJob?: number
  readonly validation?: ValidationSettings
  /** The audit user; with -http_authentication_mechanism=NONE (the only one so far) it is UNSECURE. */
  readonly auditUser?: string
}

export interface ResolvedApiOptions {
  readonly clusterName: string
  readonly statsUrlPrefix: string | undefined
  readonly maxTasksPerJob: number
  readonly validation: ValidationSettings
  readonly auditUser: string
}

export const resolveApiOptions = (o: ApiOptions): ResolvedApiOptions => ({
  clusterName: o.clusterName,
  statsUrlPrefix: o.statsUrlPrefix,
  maxTasksPerJob: o.maxTasksPerJob ?? DEFAULT_MAX_TASKS_PER_JOB,
  validation: o.validation ?? DEFAULT_VALIDATION,
  auditUser: o.auditUser ?? "UNSECURE"
})

/** What a handler decides; `respond` adds serverInfo and turns failures into codes. */
export interface Answer<R> {
  readonly responseCode: ResponseCode
  readonly details: ReadonlyArray<string>
  readonly result?: R
}

export const ok = <R>(result?: R): Answer<R> =>
  result === undefined ? { responseCode: "OK", details: [] } : { responseCode: "OK", details: [], result }
/** OK with a detail message and no result ("No tasks to kill."). */
export const okNote = (...details: ReadonlyArray<string>): Answer<never> => ({ responseCode: "OK", details })
export const invalid = (...details: ReadonlyArray<string>): Answer<never> => ({
  responseCode: "INVALID_REQUEST",
  details
})
export const error = (...details: ReadonlyArray<string>): Answer<never> => ({
  responseCode: "ERROR",
  details
})

/** An RPC family that arrives in a later issue: a clear ERROR, never a silent OK. */
export const notSupported = (what: string) =>
  Effect.succeed(error(`${what} are not supported by this scheduler yet`))

const responseCounters = new Map<string, Metric.Metric.Counter<number>>()
const counter = (name: string): Metric.Metric.Counter<number> => {
  let c = responseCounters.get(name)
  if (c === undefined) {
    c = Metric.counter(name)
    responseCounters.set(name, c)
  }
  return c
}

const failureMessage = (e: unknown): string => {
  if (e instanceof Error && e.message.length > 0) return e.message
  if (typeof e === "object" && e !== null && "_tag" in e) {
    const { _tag, ...fields } = e as Record<string, unknown>
    return `${String(_tag)}: ${JSON.stringify(fields)}`
  }
  return String(e)
}

/**
 * Runs one handler: StorageNotReady becomes ERROR_TRANSIENT, any other failure or defect ERROR with its
 * message (the full cause goes to the log, never to the caller). Counts
 * `scheduler_thrift_response_<CODE>` and times the call as `scheduler_thrift_<rpc>_nanos_total/_events`.
 */
export const respond =
  (options: ResolvedApiOptions) =>
  <R, E>(rpc: string, handler: Effect.Effect<Answer<R>, E>): Effect.Effect<Response<R>> =>
    Effect.gen(function* () {
      const start = yield* Clock.currentTimeNanos
      const exit = yield* Effect.exit(handler)
      let answer: Answer<R>
      if (exit._tag === "Success") answer = exit.value
      else {
        const failure = Cause.failureOption(exit.cause)
        if (failure._tag === "Some") {
          const e = failure.value as { _tag?: string }
          answer =
            e._tag === "StorageNotReady"
              ? { responseCode: "ERROR_TRANSIENT", details: [failureMessage(e)] }
              : error(failureMessage(e))
        } else {
          const defect = Cause.squash(exit.cause)
          yield* Effect.logError(`RPC ${rpc} failed`, exit.cause)
          answer = error(failureMessage(defect))
        }
      }
      const elapsed = (yield* Clock.currentTimeNanos) - start
      yield* Metric.increment(counter(`scheduler_thrift_response_${answer.responseCode}`))
      yield* Metric.incrementBy(counter(`scheduler_thrift_${rpc}_nanos_total`), Number(elapsed))
      yield* Metric.increment(counter(`scheduler_thrift_${rpc}_events`))
      const serverInfo =
        options.statsUrlPrefix === undefined
          ? { clusterName: options.clusterName }
          : { clusterName: options.clusterName, statsUrlPrefix: options.statsUrlPrefix }
      const details = answer.details.map((message) => ({ message }))
      return answer.result === undefined
        ? { responseCode: answer.responseCode, serverInfo, details }
        : { responseCode: answer.responseCode, serverInfo, details, result: answer.result }
    })

const EXPECTED = /^Expected (.+), actual (.+)$/s

/**
 * One message per field path: a union's per-member "Expected X, actual Y" issues collapse into
 * "Expected one of X1, X2, ..., actual Y", and an optional field's "Expected undefined" noise is dropped
 * when a deeper issue explains the field.
 */
const issueMessages = (
  issues: ReadonlyArray<ParseResult.ArrayFormatterIssue>,
  field: string
): Array<string> => {
  const keyed = issues.map((i) => ({ path: [field, ...i.path.map(String)].join("."), message: i.message }))
  const meaningful = keyed.filter(
    (i) =>
      !(i.message.startsWith("Expected undefined,") && keyed.some((o) => o.path.startsWith(`${i.path}.`)))
  )
  const byPath = new Map<string, Array<string>>()
  for (const i of meaningful) byPath.set(i.path, [...(byPath.get(i.path) ?? []), i.message])
  return [...byPath].map(([path, msgs]) => {
    const parsed = msgs.map((m) => EXPECTED.exec(m))
    if (msgs.length > 1 && parsed.every((m) => m !== null && m[2] === parsed[0]![2])) {
      const expected = parsed.map((m) => m![1]).filter((e) => e !== "undefined")
      return `${path}: Expected one of ${expected.join(", ")}, actual ${parsed[0]![2]}`
    }
    return `${path}: ${[...new Set(msgs)].join(" or ")}`
  })
}

/** Decodes a payload field; messages name the field path (`description.taskConfig.job.role: ...`). */
export const decodeField =
  <A, I>(schema: Schema.Schema<A, I>, field: string) =>
  (input: unknown): Either.Either<A, string> =>
    Either.mapLeft(Schema.decodeUnknownEither(schema, { errors: "all" })(input), (e) =>
      issueMessages(ParseResult.ArrayFormatter.formatErrorSync(e), field).join("; ")
    )

export const decodeJobKey = (input: unknown, field: string): Either.Either<JobKey, string> =>
  decodeField(JobKeySchema, field)(input)

/** A TaskQuery; `limit: 0` means no cap (Aurora caps only for limit > 0). */
export const decodeQuery = (input: unknown, field = "query"): Either.Either<TaskQueryType, string> =>
  Either.map(decodeField(TaskQuery, field)(input), (q) => {
    if (q.limit !== 0) return q
    const { limit: _l, ...rest } = q
    return rest
  })

/** Runs `fn` with a decoded value, or answers INVALID_REQUEST with the decoding message. */
export const withDecoded = <A, R, E>(
  decoded: Either.Either<A, string>,
  fn: (a: A) => Effect.Effect<Answer<R>, E>
): Effect.Effect<Answer<R>, E> =>
  Either.isLeft(decoded) ? Effect.succeed(invalid(decoded.left)) : fn(decoded.right)

export const jobTasks = (stores: StoresView, key: JobKey): Array<ScheduledTask> => {
  const ids = stores.tasksByJob.get(`${key.role}/${key.environment}/${key.name}`)
  if (ids === undefined) return []
  const out: Array<ScheduledTask> = []
  for (const id of ids) {
    const t = stores.tasks.get(id)
    if (t !== undefined) out.push(t)
  }
  return out
}
