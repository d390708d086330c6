// `aurora-scheduler run` flags: Aurora's names in GNU form, with Aurora's defaults
// (api-storage-security.md §7). Log and storage flags live in log-flags.ts.
import { HelpDoc, Options } from "@effect/cli"
import { parseDuration } from "./log-flags.ts"

const fail = (e: unknown) => HelpDoc.p(e instanceof Error ? e.message : String(e))
export const durationFlag = (name: string, dflt: string, description: string) =>
  Options.text(name).pipe(
    Options.withDefault(dflt),
    Options.mapTryCatch((t) => parseDuration(name, t), fail),
    Options.withDescription(`${description} (default ${dflt})`)
  )
const bool = (name: string, dflt: boolean, description: string) =>
  Options.choice(name, ["true", "false"]).pipe(
    Options.withDefault(dflt ? "true" : "false"),
    Options.map((v) => v === "true"),
    Options.withDescription(`${description} (default ${dflt})`)
  )
const int = (name: string, dflt: number, description: string) =>
  Options.integer(name).pipe(
    Options.withDefault(dflt),
    Options.withDescription(`${description} (default ${dflt})`)
  )

export const runFlags = {
  clusterName: Options.text("cluster_name").pipe(
    Options.withDescription("name of the cluster this scheduler runs")
  ),
  httpPort: int("http_port", 8081, "HTTP port for the API, web UI and metrics (0 = any free port)"),
  ip: Options.text("ip").pipe(
    Options.withDefault("0.0.0.0"),
    Options.withDescription("address the HTTP server binds")
  ),
  hostname: Options.text("hostname").pipe(
    Options.optional,
    Options.withDescription(
      "host to advertise in the serverset (default: --ip unless 0.0.0.0, else this machine's address)"
    )
  ),
  vizJobUrlPrefix: Options.text("viz_job_url_prefix").pipe(
    Options.optional,
    Options.withDescription("URL prefix for job statistics links (Response.serverInfo.statsUrlPrefix)")
  ),
  serversetPath: Options.text("serverset_path").pipe(
    Options.withDefault("/aurora/scheduler"),
    Options.withDescription("coordinator path for leader election and the leader's member node")
  ),
  serversetEndpointName: Options.text("serverset_endpoint_name").pipe(
    Options.withDefault("http"),
    Options.withDescription("name of the advertised additional endpoint (https behind a TLS proxy)")
  ),
  zkEndpoints: Options.text("zk_endpoints").pipe(
    Options.optional,
    Options.withDescription("ZooKeeper servers host:port,...; absent: the embedded single-node coordinator")
  ),
  zkChrootPath: Options.text("zk_chroot_path").pipe(Options.optional),
  zkSessionTimeoutMs: durationFlag("zk_session_timeout", "15secs", "ZooKeeper session timeout"),
  zkDigestCredentials: Options.text("zk_digest_credentials").pipe(Options.optional),
  mesosMasterAddress: Options.text("mesos_master_address").pipe(
    Options.withDescription("Mesos master (or the local agent) URL, e.g. http://127.0.0.1:5051")
  ),
  frameworkName: Options.text("framework_name").pipe(Options.withDefault("Aurora")),
  frameworkFailoverTimeoutMs: durationFlag(
    "framework_failover_timeout",
    "21days",
    "how long Mesos keeps tasks of a disconnected framework"
  ),
  thermosExecutorPath: Options.text("thermos_executor_path").pipe(
    Options.optional,
    Options.withDescription(
      "command that starts the executor (default: this installation's thermos-executor)"
    )
  ),
  maxRegistrationDelayMs: durationFlag(
    "max_registration_delay",
    "1mins",
    "a leader not registered with the cluster by then exits"
  ),
  maxLeadingDurationMs: durationFlag(
    "max_leading_duration",
    "1days",
    "a leader steps down after leading this long"
  ),
  enableLegacyConstraints: bool(
    "enable_legacy_constraints",
    true,
    "add host:limit:1 (and rack:limit:1 for production services) unless the job constrains them"
  ),
  enablePreemptor: bool("enable_preemptor", true, "preempt lower-priority tasks for pending ones"),
  maxTasksPerJob: int("max_tasks_per_job", 4000, "most instances one job may have"),
  maxScheduleAttemptsPerSec: int("max_schedule_attempts_per_sec", 40, "scheduling attempts per second"),
  maxTasksPerScheduleAttempt: int(
    "max_tasks_per_schedule_attempt",
    5,
    "tasks one scheduling attempt may place"
  ),
  firstScheduleDelayMs: durationFlag(
    "first_schedule_delay",
    "1ms",
    "delay before a new task group is first scheduled"
  ),
  allowedJobEnvironments: Options.text("allowed_job_environments").pipe(
    Options.withDefault("^(prod|devel|test|staging\\d*)$"),
    Options.withDescription("pattern job environments must match")
  )
}

export const allRunFlags = Options.all(runFlags)
export type RunFlags = typeof allRunFlags extends Options.Options<infer A> ? A : never
