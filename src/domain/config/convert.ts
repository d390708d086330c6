/** A loaded Job to the scheduler's JobConfiguration (client-config.md §4). */
import * as Either from "effect/Either"
import type { JobConfiguration, Resource } from "../model/index.ts"
import { type Constraint, isGoodIdentifier, type TaskConfig } from "../model/index.ts"
import { ConfigInvalid } from "./load.ts"
import { Env, type PList, PMap, type PObj, PSimple, type PStruct, renderJson } from "./pystachio/objects.ts"
import { refsIn } from "./pystachio/template.ts"
import { PyFloat } from "./python/values.ts"
import { MB } from "./schema/aurora.ts"
import { validateTask } from "./validateTask.ts"

const invalid = (message: string) => new ConfigInvalid({ message, exitCode: 3 })

class ConvertError {
  constructor(readonly message: string) {}
}
const die = (message: string): never => {
  throw new ConvertError(message)
}

const EXECUTOR_REFS = /^(mesos\.instance|mesos\.hostname|thermos\.task_id|thermos\.ports\[[\w\-./]+\])$/

const rawOf = (o: PObj | undefined): unknown =>
  o instanceof PSimple ? (o.interpolate().obj as PSimple).raw : undefined
const numOf = (o: PObj | undefined): number => {
  const r = rawOf(o)
  return r instanceof PyFloat
    ? r.v
    : typeof r === "number"
      ? r
      : typeof r === "boolean"
        ? Number(r)
        : Number(r)
}
const strOf = (o: PObj | undefined): string | undefined => o?.str()
const boolOf = (o: PObj | undefined): boolean => {
  const r = rawOf(o)
  return r === true || r === "True" || r === "true"
}

/** Port names the task must be given: process refs through the portmap, plus unresolved portmap values. */
export const requestedPorts = (
  portRefs: ReadonlyArray<string>,
  portmap: ReadonlyMap<string, string>
): string[] => {
  const resolve = (name: string): string | number => {
    const seen = new Set<string>()
    let cur = name
    for (;;) {
      if (/^\s*-?\d+\s*$/.test(cur)) return Number(cur)
      const next = portmap.get(cur)
      if (next === undefined) return cur
      if (seen.has(cur)) die(`Cycle detected in announce portmap: ${[...seen, cur].join(" -> ")}`)
      seen.add(cur)
      cur = next
    }
  }
  const out = new Set<string>()
  for (const r of portRefs) {
    const v = resolve(r)
    if (typeof v === "string") out.add(v)
  }
  for (const k of portmap.keys()) {
    const v = resolve(k)
    if (typeof v === "string") out.add(v)
  }
  return [...out].sort()
}

const mapEntries = (m: PObj | undefined): [string, string][] =>
  m instanceof PMap
    ? m.iter().map((k) => [(k as PObj).str(), (m.getitem((k as PObj).str()) as PObj).str()])
    : []

const constraintsOf = (job: PStruct): Constraint[] =>
  mapEntries(job.field("constraints")).map(([name, value]): Constraint => {
    if (value.startsWith("limit:")) {
      const n = value.slice(6)
      if (!/^\s*\d+\s*$/.test(n))
        die(`Invalid limit constraint value for '${name}': ${JSON.stringify(value)}`)
      return { name, constraint: { limit: { limit: Number(n) } } }
    }
    const negated = value.startsWith("!")
    const values = [...new Set((negated ? value.slice(1) : value).split(","))]
    return { name, constraint: { value: { negated, values } } }
  })

const containerOf = (job: PStruct): TaskConfig["container"] => {
  let c = job.field("container") as PStruct | undefined
  if (!c) return { mesos: { volumes: [] } }
  if (c.type.name === "Container") {
    const d = c.field("docker") as PStruct | undefined
    if (!d) return { mesos: { volumes: [] } }
    c = d
  }
  if (c.type.name === "Docker") {
    const params = (c.field("parameters") as PList | undefined)?.iter() ?? []
    return {
      docker: {
        image: strOf(c.field("image")) ?? "",
        parameters: params.map((p) => ({
          name: strOf((p as PStruct).field("name")) ?? "",
          value: strOf((p as PStruct).field("value")) ?? ""
        }))
      }
    }
  }
  const img = c.field("image") as PStruct | undefined
  const volumes = ((c.field("volumes") as PList | undefined)?.iter() ?? []).map((v) => {
    const s = v as PStruct
    return {
      containerPath: strOf(s.field("container_path")) ?? "",
      hostPath: strOf(s.field("host_path")) ?? "",
      mode: (strOf(s.field("mode")) === "RO" ? "RO" : "RW") as "RO" | "RW"
    }
  })
  const image = !img
    ? undefined
    : img.type.name === "DockerImage"
      ? { docker: { name: strOf(img.field("name")) ?? "", tag: strOf(img.field("tag")) ?? "" } }
      : { appc: { name: strOf(img.field("name")) ?? "", imageId: strOf(img.field("image_id")) ?? "" } }
  return { mesos: image ? { image, volumes } : { volumes } }
}

const slaOf = (job: PStruct): TaskConfig["slaPolicy"] => {
  const s = job.field("sla_policy") as PStruct | undefined
  if (!s) return undefined
  switch (s.type.name) {
    case "PercentageSlaPolicy":
      return {
        percentageSlaPolicy: {
          percentage: numOf(s.field("percentage")),
          durationSecs: numOf(s.field("duration_secs"))
        }
      }
    case "CountSlaPolicy":
      return {
        countSlaPolicy: { count: numOf(s.field("count")), durationSecs: numOf(s.field("duration_secs")) }
      }
    default:
      return {
        coordinatorSlaPolicy: {
          coordinatorUrl: strOf(s.field("coordinator_url")) ?? "",
          statusKey: strOf(s.field("status_key")) ?? "drain"
        }
      }
  }
}

const resourcesOf = (task: PStruct, ports: ReadonlyArray<string>): Resource[] => {
  const r = task.field("resources") as PStruct | undefined
  if (!r) return die("Task must specify resources!")
  const cpu = numOf(r.field("cpu"))
  const ram = numOf(r.field("ram"))
  const disk = numOf(r.field("disk"))
  const gpu = numOf(r.field("gpu"))
  if (ram === 0 || disk === 0) die(`Must specify ram and disk resources, got ram:${ram} disk:${disk}`)
  const ramMb = Math.floor(ram / MB)
  const diskMb = Math.floor(disk / MB)
  if (!(cpu > 0) || ramMb <= 0 || diskMb <= 0) {
    die(
      `Task has invalid resources. cpu/ramMb/diskMb must all be positive: cpu:${cpu} ramMb:${ramMb} diskMb:${diskMb}`
    )
  }
  const out: Resource[] = [{ numCpus: cpu }, { ramMb }, { diskMb }, ...ports.map((p) => ({ namedPort: p }))]
  if (gpu !== 0) out.push({ numGpus: gpu })
  return out
}

/** §4.4: the interpolated Job minus `instances` and `update_config`, as Thermos reads it. */
export const executorData = (job: PStruct): string => {
  const data = job.interpolate().obj.toData() as Map<string, unknown>
  data.delete("instances")
  data.delete("update_config")
  return renderJson(data)
}

/** Mustache refs in any string of interpolated data. */
const refsInData = (d: unknown, out: string[] = []): string[] => {
  if (typeof d === "string") {
    if (d.includes("{{")) out.push(...refsIn(d))
  } else if (d instanceof Map) for (const v of d.values()) refsInData(v, out)
  else if (Array.isArray(d)) for (const v of d) refsInData(v, out)
  return out
}

const CRON_POLICIES = ["KILL_EXISTING", "CANCEL_NEW", "RUN_OVERLAP"] as const

/** Builds the JobConfiguration the scheduler receives; `user` is the local OS user. */
export const toJobConfiguration = (
  job: PStruct,
  user: string
): Either.Either<JobConfiguration, ConfigInvalid> => {
  try {
    const task = job.field("task") as PStruct
    const taskProblem = validateTask(task)
    if (taskProblem) die(`Task is invalid: ${taskProblem}`)
    // refs still open inside the task after binding dummy executor values
    const dummy = new Env()
    dummy.set("mesos.instance", "31337")
    dummy.set("mesos.hostname", "")
    dummy.set("thermos.task_id", "task_id")
    dummy.set("thermos.user", "user")
    const portRefs = new Set<string>()
    for (const p of (task.field("processes") as PList | undefined)?.iter() ?? []) {
      for (const u of (p as PObj).interpolate().unbound) {
        const m = /^thermos\.ports\[([\w\-./]+)\]$/.exec(u)
        if (m) portRefs.add(m[1])
      }
    }
    for (const p of portRefs) dummy.set(`thermos.ports[${p}]`, "31337")
    const probe = task.bind([dummy]) as PStruct
    // The original interpolates twice, so a literal `{{&x}}` comes back as a ref `{{x}}` (spec §7 quirk).
    const reread = (o: PObj) => {
      const i = o.interpolate()
      return [...new Set([...i.unbound, ...refsInData(i.obj.toData())])]
    }
    const openInTask = reread(probe)
    if (openInTask.length > 0) {
      die(
        `Task is invalid: Unexpected unbound refs: ${openInTask.map((u) => `{{${u}}}`).join(" ")}. Make sure you are not nesting template variables.`
      )
    }
    const jobProblem = job.checkAt("Job")
    if (jobProblem) die(`Job not fully specified: ${jobProblem}`)
    const leftover = reread(job).filter((u) => !EXECUTOR_REFS.test(u))
    if (leftover.length > 0)
      die(`Config contains unbound variables: ${leftover.map((u) => `{{${u}}}`).join(" ")}`)

    const key = { role: "", environment: "", name: "" }
    for (const f of ["role", "environment", "name"] as const) {
      const v = strOf(job.field(f)) ?? ""
      if (!isGoodIdentifier(v)) die(`Invalid ${f} '${v}'`)
      key[f] = v
    }
    const announce = job.field("announce") as PStruct | undefined
    const portmap = new Map(announce ? mapEntries(announce.field("portmap")) : [])
    const ports = requestedPorts([...portRefs], portmap)
    const policy = (strOf(job.field("cron_collision_policy")) ?? "KILL_EXISTING").toUpperCase()
    if (!(CRON_POLICIES as ReadonlyArray<string>).includes(policy))
      die(`Invalid cron collision policy type: ${policy}`)
    const metaSeen = new Set<string>()
    const metadata = ((job.field("metadata") as PList | undefined)?.iter() ?? []).flatMap((m) => {
      const k = strOf((m as PStruct).field("key")) ?? ""
      const v = strOf((m as PStruct).field("value")) ?? ""
      const id = JSON.stringify([k, v])
      if (metaSeen.has(id)) return []
      metaSeen.add(id)
      return [{ key: k, value: v }]
    })
    const pp = job.field("partition_policy") as PStruct | undefined
    const exec = job.field("executor_config") as PStruct
    const execName = strOf(exec.field("name")) ?? "AuroraExecutor"
    const owner = { user }
    const contact = strOf(job.field("contact"))
    const tier = strOf(job.field("tier"))
    const sla = slaOf(job)
    const taskConfig: TaskConfig = {
      job: key,
      owner,
      isService: boolOf(job.field("service")),
      priority: numOf(job.field("priority")),
      maxTaskFailures: numOf(job.field("max_task_failures")),
      production: boolOf(job.field("production")),
      ...(tier !== undefined ? { tier } : {}),
      resources: resourcesOf(task, ports),
      constraints: constraintsOf(job),
      taskLinks: {},
      ...(contact !== undefined ? { contactEmail: contact } : {}),
      executorConfig: {
        name: execName,
        data: execName === "AuroraExecutor" ? executorData(job) : (strOf(exec.field("data")) ?? "")
      },
      metadata,
      ...(pp
        ? {
            partitionPolicy: {
              reschedule: boolOf(pp.field("reschedule")),
              delaySecs: numOf(pp.field("delay_secs"))
            }
          }
        : {}),
      ...(sla ? { slaPolicy: sla } : {}),
      container: containerOf(job)
    }
    const cron = strOf(job.field("cron_schedule"))
    return Either.right({
      key,
      owner,
      ...(cron !== undefined ? { cronSchedule: cron } : {}),
      cronCollisionPolicy: policy as (typeof CRON_POLICIES)[number],
      taskConfig,
      instanceCount: numOf(job.field("instances"))
    })
  } catch (e) {
    if (e instanceof ConvertError) return Either.left(invalid(e.message))
    const msg = (e as { message?: string })?.message ?? String(e)
    return Either.left(invalid(msg))
  }
}

export { refsIn }
