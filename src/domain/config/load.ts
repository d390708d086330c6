/** The load pipeline of client-config.md §3.6: evaluate, pick the job, check it, backfill its tier. */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { type ConfigHost, type Evaluated, evaluateConfig, evaluateJson } from "./evaluate.ts"
import { Env, PMap, type PObj, PSimple, type PStruct } from "./pystachio/objects.ts"
import type { Value } from "./python/values.ts"

/** Any failure while loading a configuration; `exitCode` is the CLI's (3, or 1 for fatal validations). */
export class ConfigInvalid extends Schema.TaggedError<ConfigInvalid>()("ConfigInvalid", {
  message: Schema.String,
  exitCode: Schema.Number
}) {}

export interface Tier {
  readonly name: string
  readonly preemptible: boolean
  readonly revocable: boolean
}
export interface TierConfig {
  readonly defaultTier: string
  readonly tiers: ReadonlyArray<Tier>
}
/** The scheduler's stock tiers.json. */
export const DEFAULT_TIERS: TierConfig = {
  defaultTier: "preemptible",
  tiers: [
    { name: "preferred", preemptible: false, revocable: false },
    { name: "preemptible", preemptible: true, revocable: false },
    { name: "revocable", preemptible: true, revocable: true }
  ]
}

export interface ClusterJobKey {
  readonly cluster: string
  readonly role: string
  readonly environment: string
  readonly name: string
}
export const clusterKeyToString = (k: ClusterJobKey): string =>
  `${k.cluster}/${k.role}/${k.environment}/${k.name}`

export interface LoadedJob {
  readonly job: PStruct
  readonly hooks: ReadonlyArray<Value>
  /** Runs a hook method in the configuration's interpreter (see `Evaluated.invoke`). */
  readonly invoke: Evaluated["invoke"]
  readonly warnings: ReadonlyArray<string>
}

export interface Source {
  readonly text: string
  /** Absolute path (includes resolve against its directory). */
  readonly file: string
  readonly json: boolean
}

const invalid = (message: string, exitCode = 3) => new ConfigInvalid({ message, exitCode })

export const evaluateSource = (src: Source, host: ConfigHost): Either.Either<Evaluated, ConfigInvalid> =>
  Either.mapLeft(src.json ? evaluateJson(src.text) : evaluateConfig(src.text, src.file, host), (m) =>
    invalid(m)
  )

/** `--bind K=V` pairs as one binding scope (dotted names allowed). */
export const bindingsEnv = (bindings: ReadonlyArray<readonly [string, string]>): Env => {
  const env = new Env()
  for (const [k, v] of bindings) env.set(k, v)
  return env
}

export const parseBinding = (text: string): Either.Either<readonly [string, string], string> => {
  const i = text.indexOf("=")
  if (i <= 0) return Either.left(`Binding ${JSON.stringify(text)} must have the form NAME=VALUE`)
  return Either.right([text.slice(0, i), text.slice(i + 1)] as const)
}

const fieldStr = (j: PStruct, f: string): string | undefined => j.field(f)?.str()

export const jobKeyOf = (j: PStruct): ClusterJobKey => ({
  cluster: fieldStr(j, "cluster") ?? "{MISSING}",
  role: fieldStr(j, "role") ?? "{MISSING}",
  environment: fieldStr(j, "environment") ?? "{MISSING}",
  name: fieldStr(j, "name") ?? "{MISSING}"
})

export const applyBindings = (jobs: ReadonlyArray<PStruct>, env: Env | null): PStruct[] =>
  jobs.map((j) => (env && env.table.size > 0 ? (j.bind([env]) as PStruct) : j))

/** Step 2: keep the jobs whose key equals the requested one. */
export const selectJob = (
  jobs: ReadonlyArray<PStruct>,
  key: ClusterJobKey
): Either.Either<PStruct, ConfigInvalid> => {
  if (jobs.length === 0) return Either.left(invalid("No job defined in this config!"))
  const keys = jobs.map(jobKeyOf)
  const matches = jobs.filter((_, i) => clusterKeyToString(keys[i]) === clusterKeyToString(key))
  const candidates = ["Candidates are:", ...keys.map((k) => `  ${clusterKeyToString(k)}`)].join("\n")
  if (matches.length === 1) return Either.right(matches[0])
  if (matches.length === 0) {
    const notes = keys
      .filter((k) => k.environment === "{MISSING}")
      .map((k) => `Job ${k.name} has no environment: {MISSING} (set environment in the Job)`)
    return Either.left(
      invalid([`Could not find job ${clusterKeyToString(key)}`, ...notes, candidates].join("\n"))
    )
  }
  return Either.left(
    invalid(`Multiple jobs match, please disambiguate by specifying a job key.\n${candidates}`)
  )
}

const intField = (s: PStruct | undefined, f: string): number | undefined => {
  const v = s?.field(f)
  if (!(v instanceof PSimple)) return undefined
  const raw = (v.interpolate().obj as PSimple).raw
  const n =
    typeof raw === "number"
      ? raw
      : typeof raw === "string"
        ? Number(raw)
        : Number((raw as { v: number }).v ?? raw)
  return Number.isFinite(n) ? n : undefined
}

const hasDedicated = (job: PStruct): boolean => {
  const c = job.field("constraints")
  return c instanceof PMap && c.iter().some((k) => (k as PObj).str() === "dedicated")
}

/** Step 5's validations. Fatal ones exit 1 as the original's `die` does. */
const validate = (job: PStruct, warnings: string[], tierWasSet: boolean): ConfigInvalid | null => {
  const uc = job.field("update_config") as PStruct | undefined
  const instances = intField(job, "instances") ?? 1
  const maxTotal = intField(uc, "max_total_failures") ?? 0
  if (maxTotal >= instances) {
    return invalid(
      `max_total_failures in update_config must be lesser than the job size. Based on your job size (${instances}) you should use max_total_failures <= ${Math.max(0, instances - 1)}.`,
      1
    )
  }
  if (hasDedicated(job)) {
    const minAllowed = Math.floor(instances * 0.02)
    if (maxTotal < minAllowed) {
      return invalid(
        `Since this is a dedicated job, you must set your max_total_failures in your update configuration to no less than 2% of your job size. Based on your job size (${instances}) you should use max_total_failures >= ${minAllowed}.`,
        1
      )
    }
  }
  if ((intField(uc, "watch_secs") ?? 0) < 0) return invalid("watch_secs must be non-negative", 1)
  const hc = job.field("health_check_config") as PStruct | undefined
  for (const f of [
    "max_consecutive_failures",
    "min_consecutive_successes",
    "initial_interval_secs",
    "interval_secs"
  ]) {
    if ((intField(hc, f) ?? 0) < 0) return invalid(`${f} must be non-negative`, 1)
  }
  const announce = job.field("announce") as PStruct | undefined
  if (announce) {
    const portmap = announce.field("portmap")
    const entries = portmap instanceof PMap ? portmap.iter().map((k) => (k as PObj).str()) : []
    const values = portmap instanceof PMap ? entries.map((k) => (portmap.getitem(k) as PObj).str()) : []
    if (values.some((v) => /^\s*-?\d+\s*$/.test(v)) && !hasDedicated(job)) {
      return invalid("Job must be dedicated in order to specify static ports!")
    }
    const primary = fieldStr(announce, "primary_port") ?? "http"
    const requested = new Set(portRefsOf(job))
    if (!requested.has(primary) && !entries.includes(primary)) {
      warnings.push(
        `Announcer specified primary port as '${primary}' but no processes have bound that port. If you would like to utilize this port, you should listen on {{thermos.ports[${primary}]}} from some Process bound to your task.`
      )
    }
  }
  const production = job.field("production")
  if (production && production.str() === "True" && !tierWasSet) {
    warnings.push("Job configuration attribute 'production' is deprecated. Use 'tier' attribute instead.")
  }
  return null
}

/** `thermos.ports[NAME]` names referenced by the task's processes. */
export const portRefsOf = (job: PStruct): string[] => {
  const task = job.field("task") as PStruct | undefined
  const procs = task?.field("processes")
  if (!procs?.iter()) return []
  const out: string[] = []
  for (const p of procs.iter() ?? []) {
    for (const u of (p as PObj).interpolate().unbound) {
      const m = /^thermos\.ports\[([\w\-./]+)\]$/.exec(u)
      if (m && !out.includes(m[1])) out.push(m[1])
    }
  }
  return out
}

const DEPRECATED_REWRITES: ReadonlyArray<readonly [string, string]> = [
  ["mesos.role", "{{role}}"],
  ["mesos.cluster", "{{cluster}}"],
  ["thermos.user", "{{role}}"]
]

/** Step 7: tier unset -> first matching tier; tier set -> production follows it. */
export const backfillTier = (job: PStruct, tiers: TierConfig): PStruct => {
  const production = job.field("production")?.str() === "True"
  const tier = job.field("tier")?.str()
  if (tier === undefined) {
    const t = tiers.tiers.find((x) => !x.preemptible === production && !x.revocable)
    return job.update([["tier", t ? t.name : tiers.defaultTier]])
  }
  const known = tiers.tiers.find((x) => x.name === tier)
  return known ? job.update([["production", !known.preemptible]]) : job
}

/** Steps 3-7 for one picked job. */
export const prepareJob = (
  picked: PStruct,
  ev: Pick<Evaluated, "hooks" | "invoke">,
  tiers: TierConfig
): Either.Either<LoadedJob, ConfigInvalid> => {
  const name = fieldStr(picked, "name") ?? "{MISSING}"
  const missing = !picked.has("cluster")
    ? `Cluster required for job "${name}"`
    : !picked.has("task")
      ? `Task required for job "${name}"`
      : !picked.has("role")
        ? `Role required for job "${name}"`
        : !(picked.field("task") as PStruct).has("processes")
          ? `Processes required for task on job "${name}"`
          : null
  if (missing) return Either.left(invalid(`The configuration was invalid: ${missing}`))
  const rewrites = new Env()
  for (const [k, v] of DEPRECATED_REWRITES) rewrites.set(k, v)
  // Backfilling first (it cannot fail) lets the checks below and the conversion share one object,
  // so its memoised interpolation is computed once.
  const job = backfillTier(picked.bind([rewrites]) as PStruct, tiers)
  const warnings: string[] = []
  const bad = validate(job, warnings, picked.has("tier"))
  if (bad) return Either.left(bad)
  const typeError = job.checkAt("Job")
  if (typeError) return Either.left(invalid(typeError))
  return Either.right({ job, hooks: ev.hooks, invoke: ev.invoke, warnings })
}

export interface LoadRequest {
  readonly source: Source
  readonly key: ClusterJobKey
  readonly bindings: ReadonlyArray<readonly [string, string]>
  readonly tiers?: TierConfig
}

/** The whole of `get_job_config`. */
export const loadJob = (req: LoadRequest, host: ConfigHost): Either.Either<LoadedJob, ConfigInvalid> =>
  Either.gen(function* () {
    const ev = yield* evaluateSource(req.source, host)
    const jobs = applyBindings(ev.jobs, bindingsEnv(req.bindings))
    const picked = yield* selectJob(jobs, req.key)
    return yield* prepareJob(picked, ev, req.tiers ?? DEFAULT_TIERS)
  })

/** `config list`: every job's key, bindings applied. */
export const listJobs = (
  source: Source,
  bindings: ReadonlyArray<readonly [string, string]>,
  host: ConfigHost
): Either.Either<ReadonlyArray<ClusterJobKey>, ConfigInvalid> =>
  Either.map(evaluateSource(source, host), (ev) =>
    applyBindings(ev.jobs, bindingsEnv(bindings)).map(jobKeyOf)
  )

/** Evaluates once and prepares every job (bindings applied): what a whole-file sweep costs. */
export const loadAllJobs = (
  source: Source,
  bindings: ReadonlyArray<readonly [string, string]>,
  host: ConfigHost,
  tiers: TierConfig = DEFAULT_TIERS
): Either.Either<ReadonlyArray<LoadedJob>, ConfigInvalid> =>
  Either.flatMap(evaluateSource(source, host), (ev) =>
    Either.all(applyBindings(ev.jobs, bindingsEnv(bindings)).map((job) => prepareJob(job, ev, tiers)))
  )
