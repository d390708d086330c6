// A small server-rendered scheduler UI: roles, a role's jobs, a job's tasks with their status and
// events. Plain HTML from the stores, no build step (Aurora's React UI is out of scope).
import {
  ACTIVE_STATES,
  type JobKey,
  jobKeyToString,
  latestEvent,
  type ScheduledTask,
  type TaskConfig
} from "../../domain/model/index.ts"
import type { StoresView } from "../../domain/storage/index.ts"
import { configGroups, jobStats, roleCrons, roleTasks, synthesizeJobs } from "../api/views.ts"

export const escapeHtml = (s: string): string =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;")

const link = (href: string, label: string) => `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>`
const seg = (s: string) => encodeURIComponent(s)
const time = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z")

const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>, empty: string) =>
  rows.length === 0
    ? `<p class="empty">${escapeHtml(empty)}</p>`
    : `<table><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${rows
        .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`)
        .join("")}</tbody></table>`

export const page = (cluster: string, title: string, crumbs: ReadonlyArray<[string, string]>, body: string) =>
  `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)} - Aurora ${escapeHtml(cluster)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.status-RUNNING{color:#17702b}.status-FAILED,.status-LOST{color:#b00020}.status-PENDING,.status-THROTTLED{color:#8a6d00}
.events{margin:0;padding-left:1.2em;font-size:.9em}
.empty{color:#777}
nav{margin-bottom:1em}
</style>
</head>
<body>
<nav>${[["/scheduler", `cluster ${cluster}`] as [string, string], ...crumbs].map(([h, l]) => link(h, l)).join(" / ")}</nav>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`

/** /scheduler: every role with its job counts. */
export const rolesPage = (cluster: string, stores: StoresView): string => {
  const roles = new Map<string, { jobs: number; crons: number }>()
  for (const job of stores.tasksByJob.keys()) {
    const role = job.slice(0, job.indexOf("/"))
    roles.set(role, { jobs: (roles.get(role)?.jobs ?? 0) + 1, crons: roles.get(role)?.crons ?? 0 })
  }
  for (const c of stores.cronJobs.values())
    roles.set(c.key.role, {
      jobs: roles.get(c.key.role)?.jobs ?? 0,
      crons: (roles.get(c.key.role)?.crons ?? 0) + 1
    })
  const rows = [...roles]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([role, n]) => [link(`/scheduler/${seg(role)}`, role), String(n.jobs), String(n.crons)])
  return page(cluster, "Roles", [], table(["Role", "Jobs", "Cron jobs"], rows, "No jobs yet."))
}

/** /scheduler/ROLE[/ENV]: the role's jobs with task counts; undefined when it has none. */
export const rolePage = (
  cluster: string,
  stores: StoresView,
  role: string,
  environment?: string
): string | undefined => {
  const tasks = roleTasks(stores, role).filter(
    (t) => environment === undefined || t.assignedTask.task.job.environment === environment
  )
  const crons = roleCrons(stores, role).filter(
    (c) => environment === undefined || c.key.environment === environment
  )
  const jobs = synthesizeJobs(tasks, crons)
  if (jobs.size === 0) return undefined
  const byJob = new Map<string, Array<ScheduledTask>>()
  for (const t of tasks) {
    const k = jobKeyToString(t.assignedTask.task.job)
    byJob.set(k, [...(byJob.get(k) ?? []), t])
  }
  const rows = [...jobs].map(([k, job]) => {
    const s = jobStats(byJob.get(k) ?? [])
    const { environment: env, name } = job.key
    return [
      link(`/scheduler/${seg(role)}/${seg(env)}/${seg(name)}`, name),
      escapeHtml(env),
      String(s.activeTaskCount),
      String(s.pendingTaskCount),
      String(s.finishedTaskCount),
      String(s.failedTaskCount),
      job.cronSchedule === undefined ? "" : escapeHtml(job.cronSchedule)
    ]
  })
  const crumbs: Array<[string, string]> = [[`/scheduler/${seg(role)}`, role]]
  if (environment !== undefined) crumbs.push([`/scheduler/${seg(role)}/${seg(environment)}`, environment])
  return page(
    cluster,
    environment === undefined ? `Jobs of ${role}` : `Jobs of ${role}/${environment}`,
    crumbs,
    table(["Job", "Environment", "Active", "Pending", "Finished", "Failed", "Cron"], rows, "No jobs.")
  )
}

const resources = (c: TaskConfig): string =>
  c.resources
    .map((r) =>
      "numCpus" in r
        ? `${r.numCpus} CPU`
        : "ramMb" in r
          ? `${r.ramMb} MB RAM`
          : "diskMb" in r
            ? `${r.diskMb} MB disk`
            : "namedPort" in r
              ? `port ${r.namedPort}`
              : `${r.numGpus} GPU`
    )
    .join(", ")

const events = (t: ScheduledTask): string =>
  `<ul class="events">${t.taskEvents
    .map(
      (e) =>
        `<li>${escapeHtml(time(e.timestamp))} <span class="status-${e.status}">${e.status}</span>${
          e.message === undefined ? "" : ` ${escapeHtml(e.message)}`
        }</li>`
    )
    .join("")}</ul>`

const taskRow = (t: ScheduledTask): Array<string> => {
  const a = t.assignedTask
  const last = latestEvent(t)
  return [
    String(a.instanceId),
    `<span class="status-${t.status}">${t.status}</span>`,
    escapeHtml(a.slaveHost ?? ""),
    escapeHtml(last === undefined ? "" : time(last.timestamp)),
    `<code>${escapeHtml(a.taskId)}</code>`,
    events(t)
  ]
}

/** /scheduler/ROLE/ENV/NAME: the job's configs, active tasks and finished tasks; undefined when unknown. */
export const jobPage = (cluster: string, stores: StoresView, key: JobKey): string | undefined => {
  const ids = stores.tasksByJob.get(jobKeyToString(key))
  const cron = stores.cronJobs.get(jobKeyToString(key))
  if (ids === undefined && cron === undefined) return undefined
  const tasks = [...(ids ?? [])].flatMap((id) => stores.tasks.get(id) ?? [])
  const byInstance = (a: ScheduledTask, b: ScheduledTask) =>
    a.assignedTask.instanceId - b.assignedTask.instanceId
  const active = tasks.filter((t) => ACTIVE_STATES.has(t.status)).sort(byInstance)
  const done = tasks
    .filter((t) => !ACTIVE_STATES.has(t.status))
    .sort((a, b) => (latestEvent(b)?.timestamp ?? 0) - (latestEvent(a)?.timestamp ?? 0))
  const groups = configGroups(active).map((g) => [
    escapeHtml(
      g.instances.map((r) => (r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`)).join(", ")
    ),
    escapeHtml(resources(g.config)),
    escapeHtml(g.config.tier ?? ""),
    g.config.isService ? "service" : "batch"
  ])
  const headers = ["Instance", "Status", "Host", "Last change", "Task id", "Events"]
  const body = [
    cron === undefined ? "" : `<p>Cron schedule: <code>${escapeHtml(cron.cronSchedule ?? "")}</code></p>`,
    "<h2>Configuration</h2>",
    table(["Instances", "Resources", "Tier", "Kind"], groups, "No active instances."),
    "<h2>Active tasks</h2>",
    table(headers, active.map(taskRow), "No active tasks."),
    "<h2>Completed tasks</h2>",
    table(headers, done.map(taskRow), "No completed tasks.")
  ].join("\n")
  const { role, environment, name } = key
  return page(
    cluster,
    `Job ${jobKeyToString(key)}`,
    [
      [`/scheduler/${seg(role)}`, role],
      [`/scheduler/${seg(role)}/${seg(environment)}`, environment],
      [`/scheduler/${seg(role)}/${seg(environment)}/${seg(name)}`, name]
    ],
    body
  )
}

/** /agents (and /slaves): every known host with its agent id, mode and attributes. */
export const agentsPage = (cluster: string, stores: StoresView): string => {
  const rows = [...stores.hostAttributes.values()]
    .sort((a, b) => (a.host < b.host ? -1 : 1))
    .map((h) => [
      escapeHtml(h.host),
      escapeHtml(h.slaveId ?? ""),
      escapeHtml(h.mode ?? "NONE"),
      escapeHtml(h.attributes.map((a) => `${a.name}=[${a.values.join(",")}]`).join(" "))
    ])
  return page(
    cluster,
    "Agents",
    [],
    table(["Host", "Agent id", "Mode", "Attributes"], rows, "No agents known.")
  )
}

/** /structdump/...: a stored struct as pretty JSON, or "Entity not found". */
export const structPage = (cluster: string, title: string, value: unknown): string =>
  page(
    cluster,
    title,
    [],
    value === undefined
      ? "<p>Entity not found</p>"
      : `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`
  )
