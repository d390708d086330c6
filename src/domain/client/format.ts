/** What the client prints (client-config.md §1.1 status, §1.4 quota): plain text and JSON renderings. */

import type { Resource, ResourceAggregate, ScheduledTask } from "../model/index.ts"
import { ACTIVE_STATES } from "../model/index.ts"

/** A Python float's repr: `1.0`, `0.5`. */
export const pyFloat = (n: number): string => (Number.isInteger(n) ? `${n}.0` : `${n}`)

/** Python's repr of a str: single quotes unless the text holds one and no double quote. */
export const pyStr = (s: string): string =>
  s.includes("'") && !s.includes('"')
    ? `"${s}"`
    : `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\n", "\\n")}'`

const two = (n: number) => String(n).padStart(2, "0")

/** `YYYY-MM-DD HH:MM:SS` in the machine's local time zone (Python's datetime.fromtimestamp). */
export const localTimestamp = (ms: number): string => {
  const d = new Date(ms)
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
}

/** `CPU: 1.0 core(s), RAM: 128 MB, Disk: 128 MB, Port: http, GPU: 1 GPU(s)` (fixed type order). */
export const resourceDetails = (resources: ReadonlyArray<Resource>): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (const r of resources) if ("numCpus" in r) out.push(`CPU: ${pyFloat(r.numCpus)} core(s)`)
  for (const r of resources) if ("ramMb" in r) out.push(`RAM: ${r.ramMb} MB`)
  for (const r of resources) if ("diskMb" in r) out.push(`Disk: ${r.diskMb} MB`)
  for (const r of resources) if ("namedPort" in r) out.push(`Port: ${r.namedPort}`)
  for (const r of resources) if ("numGpus" in r) out.push(`GPU: ${r.numGpus} GPU(s)`)
  return out
}

const portsRepr = (ports: Readonly<Record<string, number>>): string =>
  `{${Object.entries(ports)
    .map(([k, v]) => `${pyStr(k)}: ${v}`)
    .join(", ")}}`

/** One task of `job status` (text mode), as its lines. */
export const taskLines = (t: ScheduledTask, time: (ms: number) => string = localTimestamp): Array<string> => {
  const a = t.assignedTask
  const job = a.task.job
  const lines = [
    `\tTask role: ${job.role}, env: ${job.environment}, name: ${job.name}, instance: ${a.instanceId}, status: ${t.status} on ${a.slaveHost ?? "None"}`,
    `\t  ${resourceDetails(a.task.resources).join(", ")}`
  ]
  if (Object.keys(a.assignedPorts).length > 0) {
    lines.push(`\t  assigned ports: ${portsRepr(a.assignedPorts)}`)
    lines.push(`\t  failure count: ${t.failureCount} (max ${a.task.maxTaskFailures})`)
  }
  lines.push("\t  events:")
  const events = [...t.taskEvents].sort((x, y) => x.timestamp - y.timestamp)
  for (const e of events) lines.push(`\t   ${time(e.timestamp)} ${e.status}: ${e.message ?? "None"}`)
  const metadata = a.task.metadata ?? []
  if (metadata.length > 0) {
    lines.push("\t  metadata:")
    for (const m of metadata) lines.push(`\t\t  (key: ${pyStr(m.key)}, value: ${pyStr(m.value)})`)
  }
  return lines
}

const byInstance = (a: ScheduledTask, b: ScheduledTask) =>
  a.assignedTask.instanceId - b.assignedTask.instanceId

export const splitActive = (tasks: ReadonlyArray<ScheduledTask>) => ({
  active: tasks.filter((t) => ACTIVE_STATES.has(t.status)).sort(byInstance),
  inactive: tasks.filter((t) => !ACTIVE_STATES.has(t.status)).sort(byInstance)
})

/** `job status` text for one job: the active, then the inactive tasks. */
export const statusLines = (
  tasks: ReadonlyArray<ScheduledTask>,
  time: (ms: number) => string = localTimestamp
): Array<string> => {
  const { active, inactive } = splitActive(tasks)
  return [
    `Active tasks (${active.length}):`,
    ...active.flatMap((t) => taskLines(t, time)),
    `Inactive tasks (${inactive.length}):`,
    ...inactive.flatMap((t) => taskLines(t, time))
  ]
}

/** `job status --write-json` for one job. */
export const statusJson = (jobspec: string, tasks: ReadonlyArray<ScheduledTask>) => {
  const { active, inactive } = splitActive(tasks)
  return { job: jobspec, active, inactive }
}

export interface QuotaView {
  readonly quota: ResourceAggregate
  readonly prodSharedConsumption?: ResourceAggregate
  readonly prodDedicatedConsumption?: ResourceAggregate
  readonly nonProdSharedConsumption?: ResourceAggregate
  readonly nonProdDedicatedConsumption?: ResourceAggregate
}

const QUOTA_SECTIONS = [
  ["prodSharedConsumption", "Production shared pool resources consumed:"],
  ["prodDedicatedConsumption", "Production dedicated pool resources consumed:"],
  ["nonProdSharedConsumption", "Non-production shared pool resources consumed:"],
  ["nonProdDedicatedConsumption", "Non-production dedicated pool resources consumed:"]
] as const

/** `quota get` text. */
export const quotaLines = (q: QuotaView): Array<string> => {
  const lines = ["Allocated:", ...resourceDetails(q.quota.resources).map((l) => `  ${l}`)]
  for (const [field, title] of QUOTA_SECTIONS) {
    const agg = q[field]
    if (agg !== undefined) lines.push(title, ...resourceDetails(agg.resources).map((l) => `  ${l}`))
  }
  return lines
}

const UNITS: Record<string, number> = {
  "": 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4
}

/**
 * `aurora_admin` sizes: an integer and an optional unit (k/kb/m/mb/g/gb/t/tb, any case); a bare
 * integer is bytes. Answers whole MB (truncated), or a message naming the bad value.
 */
export const parseSizeMb = (text: string): { readonly mb: number } | { readonly error: string } => {
  const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(text)
  const unit = m?.[2].toLowerCase()
  if (!m || unit === undefined || !(unit in UNITS))
    return {
      error: `Invalid size ${JSON.stringify(text)}: expected an integer with an optional unit k, kb, m, mb, g, gb, t or tb`
    }
  return { mb: Math.floor((Number(m[1]) * UNITS[unit]) / 1024 ** 2) }
}

/** Instance ids as Python prints a list: `[0, 1, 2]`. */
export const pyList = (ids: ReadonlyArray<number>): string => `[${ids.join(", ")}]`

const DURATION_UNITS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 }

/** `XdYhZmWs` (each part optional, in that order, at least one) into seconds. */
export const parseDurationSecs = (text: string): { readonly secs: number } | { readonly error: string } => {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim())
  if (!m || text.trim() === "")
    return {
      error: `Invalid duration ${JSON.stringify(text)}: expected the form XdYhZmWs, e.g. 30m or 1h30m`
    }
  const [, d, h, mi, s] = m
  return {
    secs:
      Number(d ?? 0) * DURATION_UNITS.d +
      Number(h ?? 0) * DURATION_UNITS.h +
      Number(mi ?? 0) * DURATION_UNITS.m +
      Number(s ?? 0)
  }
}

/**
 * Every leaf field of a nested object by its own name, as aurora_admin `query` flattens a task; the
 * first field of a name wins, so `name` and `role` are the job's (not the executor's `name`).
 */
export const flattenFields = (v: unknown, into: Record<string, unknown> = {}): Record<string, unknown> => {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x !== null && typeof x === "object" && !Array.isArray(x)) flattenFields(x, into)
      else if (!(k in into)) into[k] = x
    }
  }
  return into
}

/** `%field%` placeholders replaced from the flattened task. */
export const formatTaskLine = (format: string, task: unknown): string => {
  const fields = flattenFields(task)
  return format.replace(/%(\w+)%/g, (whole, name: string) =>
    name in fields
      ? typeof fields[name] === "object"
        ? JSON.stringify(fields[name])
        : String(fields[name])
      : whole
  )
}

/** A shell word: `'...'` unless the text is plainly safe. */
export const shellQuote = (s: string): string =>
  /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\"'\"'")}'`
