/** Aurora's configuration schema (client-config.md §3.2): every struct, field and default. */

import { coerce, PStruct } from "../pystachio/objects.ts"
import {
  BooleanT,
  ChoiceOf,
  EnumOf,
  type FieldSig,
  FloatT,
  IntegerT,
  ListOf,
  MapOf,
  type PType,
  StringT,
  StructOf
} from "../pystachio/types.ts"
import { PyDict, PyFloat, PyList, type Value } from "../python/values.ts"

export const MB = 1024 * 1024
export const GB = 1024 * MB

type Spec = readonly [PType, "R" | "O" | { readonly d: Value | (() => Value) }]
const R = "R" as const
const O = "O" as const
const d = (v: Value | (() => Value)) => ({ d: v })

const struct = (name: string, fields: Record<string, Spec>): PType & { k: "struct" } =>
  StructOf(
    name,
    Object.entries(fields).map(([f, [t, how]]): readonly [string, FieldSig] => {
      if (how === R) return [f, { type: t, required: true, default: undefined }]
      if (how === O) return [f, { type: t, required: false, default: undefined }]
      const v = typeof how.d === "function" ? (how.d as () => Value)() : how.d
      return [f, { type: t, required: false, default: coerce(t, v, `${name}.${f}`) }]
    })
  ) as PType & { k: "struct" }

export const empty = (t: PType & { k: "struct" }, fields: Record<string, Value> = {}): PStruct =>
  new PStruct(t, new Map()).update(Object.entries(fields))

const dict = (o: Record<string, Value>) => PyDict.from(Object.entries(o))

export const RotatePolicy = struct("RotatePolicy", {
  log_size: [IntegerT, d(100 * MB)],
  backups: [IntegerT, d(5)]
})
export const Logger = struct("Logger", {
  destination: [EnumOf("LoggerDestination", ["file", "console", "both", "none"]), d("file")],
  mode: [EnumOf("LoggerMode", ["standard", "rotate"]), d("standard")],
  rotate: [RotatePolicy, O]
})
export const Resources = struct("Resources", {
  cpu: [FloatT, R],
  ram: [IntegerT, R],
  disk: [IntegerT, R],
  gpu: [IntegerT, d(0)]
})
export const Process = struct("Process", {
  cmdline: [StringT, R],
  name: [StringT, R],
  resources: [Resources, O],
  max_failures: [IntegerT, d(1)],
  daemon: [BooleanT, d(false)],
  ephemeral: [BooleanT, d(false)],
  min_duration: [IntegerT, d(5)],
  final: [BooleanT, d(false)],
  logger: [Logger, O]
})
export const Constraint = struct("Constraint", { order: [ListOf(StringT), O] })
export const Task = struct("Task", {
  name: [StringT, d("{{processes[0].name}}")],
  processes: [ListOf(Process), O],
  constraints: [ListOf(Constraint), d(() => new PyList([]))],
  resources: [Resources, O],
  max_failures: [IntegerT, d(1)],
  max_concurrency: [IntegerT, d(0)],
  finalization_wait: [IntegerT, d(30)],
  user: [StringT, O]
})
export const ThermosContext = struct("ThermosContext", {
  ports: [MapOf(StringT, IntegerT), O],
  task_id: [StringT, O],
  user: [StringT, O]
})
export const MesosContext = struct("MesosContext", {
  instance: [IntegerT, R],
  hostname: [StringT, R]
})
export const QueueUpdateStrategy = struct("QueueUpdateStrategy", { batch_size: [IntegerT, d(1)] })
export const BatchUpdateStrategy = struct("BatchUpdateStrategy", {
  batch_size: [IntegerT, d(1)],
  autopause_after_batch: [BooleanT, d(false)]
})
export const VariableBatchUpdateStrategy = struct("VariableBatchUpdateStrategy", {
  batch_sizes: [ListOf(IntegerT), R],
  autopause_after_batch: [BooleanT, d(false)]
})
export const UpdateConfig = struct("UpdateConfig", {
  batch_size: [IntegerT, d(1)],
  watch_secs: [IntegerT, d(45)],
  max_per_shard_failures: [IntegerT, d(0)],
  max_total_failures: [IntegerT, d(0)],
  rollback_on_failure: [BooleanT, d(true)],
  wait_for_batch_completion: [BooleanT, d(false)],
  pulse_interval_secs: [IntegerT, O],
  sla_aware: [BooleanT, d(false)],
  update_strategy: [ChoiceOf([QueueUpdateStrategy, BatchUpdateStrategy, VariableBatchUpdateStrategy]), O]
})
export const HttpHealthChecker = struct("HttpHealthChecker", {
  endpoint: [StringT, d("/health")],
  expected_response: [StringT, d("ok")],
  expected_response_code: [IntegerT, d(0)]
})
export const ShellHealthChecker = struct("ShellHealthChecker", { shell_command: [StringT, R] })
export const HealthCheckerConfig = struct("HealthCheckerConfig", {
  http: [HttpHealthChecker, O],
  shell: [ShellHealthChecker, O]
})
export const HealthCheckConfig = struct("HealthCheckConfig", {
  health_checker: [HealthCheckerConfig, d(() => dict({ http: empty(HttpHealthChecker) }))],
  initial_interval_secs: [FloatT, d(new PyFloat(15))],
  interval_secs: [FloatT, d(new PyFloat(10))],
  max_consecutive_failures: [IntegerT, d(0)],
  min_consecutive_successes: [IntegerT, d(1)],
  timeout_secs: [FloatT, d(new PyFloat(1))]
})
export const HttpLifecycleConfig = struct("HttpLifecycleConfig", {
  port: [StringT, d("health")],
  graceful_shutdown_endpoint: [StringT, d("/quitquitquit")],
  shutdown_endpoint: [StringT, d("/abortabortabort")],
  graceful_shutdown_wait_secs: [IntegerT, d(5)],
  shutdown_wait_secs: [IntegerT, d(5)]
})
export const LifecycleConfig = struct("LifecycleConfig", { http: [HttpLifecycleConfig, O] })
export const Announcer = struct("Announcer", {
  primary_port: [StringT, d("http")],
  portmap: [MapOf(StringT, StringT), d(() => dict({ aurora: "{{primary_port}}" }))],
  zk_path: [StringT, O]
})
export const Parameter = struct("Parameter", { name: [StringT, R], value: [StringT, R] })
export const Docker = struct("Docker", {
  image: [StringT, R],
  parameters: [ListOf(Parameter), d(() => new PyList([]))]
})
export const Container = struct("Container", { docker: [Docker, O] })
export const AppcImage = struct("AppcImage", { name: [StringT, R], image_id: [StringT, R] })
export const DockerImage = struct("DockerImage", { name: [StringT, R], tag: [StringT, R] })
export const Mode = EnumOf("Mode", ["RO", "RW"])
export const Volume = struct("Volume", {
  container_path: [StringT, R],
  host_path: [StringT, R],
  mode: [Mode, R]
})
export const Mesos = struct("Mesos", {
  image: [ChoiceOf([AppcImage, DockerImage]), O],
  volumes: [ListOf(Volume), d(() => new PyList([]))]
})
export const PartitionPolicy = struct("PartitionPolicy", {
  reschedule: [BooleanT, d(true)],
  delay_secs: [IntegerT, d(0)]
})
export const Metadata = struct("Metadata", { key: [StringT, R], value: [StringT, R] })
export const ExecutorConfig = struct("ExecutorConfig", {
  name: [StringT, d("AuroraExecutor")],
  data: [StringT, d("")]
})
export const PercentageSlaPolicy = struct("PercentageSlaPolicy", {
  percentage: [FloatT, R],
  duration_secs: [IntegerT, R]
})
export const CountSlaPolicy = struct("CountSlaPolicy", { count: [IntegerT, R], duration_secs: [IntegerT, R] })
export const CoordinatorSlaPolicy = struct("CoordinatorSlaPolicy", {
  coordinator_url: [StringT, R],
  status_key: [StringT, d("drain")]
})
export const Job = struct("Job", {
  name: [StringT, d("{{task.name}}")],
  role: [StringT, R],
  contact: [StringT, O],
  cluster: [StringT, R],
  environment: [StringT, R],
  instances: [IntegerT, d(1)],
  task: [Task, R],
  announce: [Announcer, O],
  tier: [StringT, O],
  cron_schedule: [StringT, O],
  cron_collision_policy: [StringT, d("KILL_EXISTING")],
  update_config: [UpdateConfig, d(() => empty(UpdateConfig))],
  constraints: [MapOf(StringT, StringT), O],
  metadata: [ListOf(Metadata), d(() => new PyList([]))],
  service: [BooleanT, d(false)],
  max_task_failures: [IntegerT, d(1)],
  production: [BooleanT, d(false)],
  priority: [IntegerT, d(0)],
  health_check_config: [HealthCheckConfig, d(() => empty(HealthCheckConfig))],
  lifecycle: [LifecycleConfig, d(() => empty(LifecycleConfig, { http: empty(HttpLifecycleConfig) }))],
  task_links: [MapOf(StringT, StringT), O],
  executor_config: [ExecutorConfig, d(() => empty(ExecutorConfig))],
  enable_hooks: [BooleanT, d(false)],
  partition_policy: [PartitionPolicy, O],
  sla_policy: [ChoiceOf([CoordinatorSlaPolicy, CountSlaPolicy, PercentageSlaPolicy]), O],
  container: [ChoiceOf([Container, Docker, Mesos]), O]
})
export const MesosTaskInstance = struct("MesosTaskInstance", {
  task: [Task, R],
  instance: [IntegerT, R],
  role: [StringT, R],
  announce: [Announcer, O],
  environment: [StringT, R],
  health_check_config: [HealthCheckConfig, d(() => empty(HealthCheckConfig))],
  lifecycle: [LifecycleConfig, O]
})

/** Every struct, by the name configuration files use. */
export const SCHEMA_STRUCTS: ReadonlyArray<readonly [string, PType & { k: "struct" }]> = [
  ["RotatePolicy", RotatePolicy],
  ["Logger", Logger],
  ["Resources", Resources],
  ["Process", Process],
  ["Constraint", Constraint],
  ["Task", Task],
  ["ThermosContext", ThermosContext],
  ["MesosContext", MesosContext],
  ["QueueUpdateStrategy", QueueUpdateStrategy],
  ["BatchUpdateStrategy", BatchUpdateStrategy],
  ["VariableBatchUpdateStrategy", VariableBatchUpdateStrategy],
  ["UpdateConfig", UpdateConfig],
  ["HttpHealthChecker", HttpHealthChecker],
  ["ShellHealthChecker", ShellHealthChecker],
  ["HealthCheckerConfig", HealthCheckerConfig],
  ["HealthCheckConfig", HealthCheckConfig],
  ["HttpLifecycleConfig", HttpLifecycleConfig],
  ["LifecycleConfig", LifecycleConfig],
  ["Announcer", Announcer],
  ["Parameter", Parameter],
  ["Docker", Docker],
  ["Container", Container],
  ["AppcImage", AppcImage],
  ["DockerImage", DockerImage],
  ["Volume", Volume],
  ["Mesos", Mesos],
  ["PartitionPolicy", PartitionPolicy],
  ["Metadata", Metadata],
  ["ExecutorConfig", ExecutorConfig],
  ["PercentageSlaPolicy", PercentageSlaPolicy],
  ["CountSlaPolicy", CountSlaPolicy],
  ["CoordinatorSlaPolicy", CoordinatorSlaPolicy],
  ["Job", Job],
  ["MesosJob", Job],
  ["MesosTaskInstance", MesosTaskInstance]
]
