import { Schema } from "effect"

/**
 * The executor data of client-config.md §4.4: the JSON of an interpolated Aurora Job (minus `instances`
 * and `update_config`), whose `task` is the Thermos task. Field names follow the spec exactly; defaults
 * are the schema defaults of §3.2 so a hand-written task file may omit them.
 */
const withDefault = <S extends Schema.Schema.Any>(schema: S, value: () => Schema.Schema.Type<S>) =>
  Schema.optionalWith(schema, { default: value })

const NonNegInt = Schema.Int.pipe(Schema.nonNegative())
const NonNegNumber = Schema.Number.pipe(Schema.nonNegative())

export const RotatePolicy = Schema.Struct({
  log_size: withDefault(Schema.Int.pipe(Schema.positive()), () => 100 * 1024 * 1024),
  backups: withDefault(Schema.Int.pipe(Schema.positive()), () => 5)
})

export const Logger = Schema.Struct({
  destination: withDefault(Schema.Literal("file", "console", "both", "none"), () => "file" as const),
  mode: withDefault(Schema.Literal("standard", "rotate"), () => "standard" as const),
  rotate: Schema.optional(RotatePolicy)
})

export const Resources = Schema.Struct({
  cpu: Schema.Number,
  ram: Schema.Number,
  disk: Schema.Number,
  gpu: withDefault(Schema.Number, () => 0)
})
export type Resources = typeof Resources.Type

export const Process = Schema.Struct({
  name: Schema.String,
  cmdline: Schema.String,
  max_failures: withDefault(NonNegInt, () => 1),
  daemon: withDefault(Schema.Boolean, () => false),
  ephemeral: withDefault(Schema.Boolean, () => false),
  min_duration: withDefault(NonNegNumber, () => 5),
  final: withDefault(Schema.Boolean, () => false),
  logger: Schema.optional(Logger),
  resources: Schema.optional(Schema.Unknown)
})
export type Process = typeof Process.Type

export const OrderConstraint = Schema.Struct({ order: Schema.Array(Schema.String) })
export type OrderConstraint = typeof OrderConstraint.Type

export const Task = Schema.Struct({
  name: Schema.optional(Schema.String),
  processes: Schema.Array(Process).pipe(
    Schema.minItems(1, { message: () => "a task needs at least one process" })
  ),
  constraints: withDefault(Schema.Array(OrderConstraint), () => []),
  resources: Schema.optional(Resources),
  max_failures: withDefault(NonNegInt, () => 1),
  max_concurrency: withDefault(NonNegInt, () => 0),
  finalization_wait: withDefault(NonNegNumber, () => 30),
  user: Schema.optional(Schema.String)
})
export type Task = typeof Task.Type

export const HttpHealthChecker = Schema.Struct({
  endpoint: withDefault(Schema.String, () => "/health"),
  expected_response: withDefault(Schema.String, () => "ok"),
  expected_response_code: withDefault(Schema.Int, () => 0)
})
export const ShellHealthChecker = Schema.Struct({ shell_command: Schema.String })

export const HealthCheckConfig = Schema.Struct({
  health_checker: withDefault(
    Schema.Struct({ http: Schema.optional(HttpHealthChecker), shell: Schema.optional(ShellHealthChecker) }),
    () => ({ http: { endpoint: "/health", expected_response: "ok", expected_response_code: 0 } })
  ),
  initial_interval_secs: withDefault(NonNegNumber, () => 15),
  interval_secs: withDefault(Schema.Number.pipe(Schema.positive()), () => 10),
  max_consecutive_failures: withDefault(NonNegInt, () => 0),
  min_consecutive_successes: withDefault(NonNegInt, () => 1),
  timeout_secs: withDefault(Schema.Number.pipe(Schema.positive()), () => 1)
})
export type HealthCheckConfig = typeof HealthCheckConfig.Type

export const HttpLifecycleConfig = Schema.Struct({
  port: withDefault(Schema.String, () => "health"),
  graceful_shutdown_endpoint: withDefault(Schema.String, () => "/quitquitquit"),
  shutdown_endpoint: withDefault(Schema.String, () => "/abortabortabort"),
  graceful_shutdown_wait_secs: withDefault(NonNegNumber, () => 5),
  shutdown_wait_secs: withDefault(NonNegNumber, () => 5)
})
export const LifecycleConfig = Schema.Struct({ http: Schema.optional(HttpLifecycleConfig) })
export type LifecycleConfig = typeof LifecycleConfig.Type

export const Announcer = Schema.Struct({
  primary_port: withDefault(Schema.String, () => "http"),
  portmap: withDefault(Schema.Record({ key: Schema.String, value: Schema.String }), () => ({
    aurora: "{{primary_port}}"
  })),
  zk_path: Schema.optional(Schema.String)
})
export type Announcer = typeof Announcer.Type

const defaultHealth = (): HealthCheckConfig => ({
  health_checker: { http: { endpoint: "/health", expected_response: "ok", expected_response_code: 0 } },
  initial_interval_secs: 15,
  interval_secs: 10,
  max_consecutive_failures: 0,
  min_consecutive_successes: 1,
  timeout_secs: 1
})

/** The executor data: a MesosJob (or MesosTaskInstance) as JSON. Unknown fields are ignored. */
export const ExecutorData = Schema.Struct({
  name: Schema.optional(Schema.String),
  role: Schema.optional(Schema.String),
  environment: Schema.optional(Schema.String),
  cluster: Schema.optional(Schema.String),
  instance: Schema.optional(NonNegInt),
  task: Task,
  announce: Schema.optional(Announcer),
  health_check_config: withDefault(HealthCheckConfig, defaultHealth),
  lifecycle: withDefault(LifecycleConfig, () => ({
    http: {
      port: "health",
      graceful_shutdown_endpoint: "/quitquitquit",
      shutdown_endpoint: "/abortabortabort",
      graceful_shutdown_wait_secs: 5,
      shutdown_wait_secs: 5
    }
  })),
  service: withDefault(Schema.Boolean, () => false),
  max_task_failures: withDefault(Schema.Int, () => 1)
})
export type ExecutorData = typeof ExecutorData.Type

/** Name a task gets when it has none: its first process's name (§1). */
export const taskName = (task: Task): string => task.name ?? task.processes[0].name
