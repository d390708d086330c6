import type { ProcessRun } from "../../domain/thermos/checkpoint.ts"
import type { ProcessRunView, TaskView } from "../../domain/thermos/views.ts"
import type { LoadedTask } from "./task-store.ts"

/** Plain HTML pages of the observer: no scripts except the log tailer, one small stylesheet. */
export const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)

const u = encodeURIComponent

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f3f3f3}a{color:#0645ad}pre{background:#f7f7f7;padding:.6em;overflow:auto;max-height:70vh}
.SUCCESS{color:#080}.FAILED,.LOST{color:#b00}.KILLED{color:#a60}.RUNNING,.ACTIVE{color:#06c}`

export const page = (title: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>` +
  `<body><p><a href="/">Thermos observer</a></p><h2>${esc(title)}</h2>${body}</body></html>`

const time = (secs: number | undefined) =>
  secs === undefined
    ? ""
    : new Date(secs * 1000)
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, "Z")

const mb = (bytes: number | undefined) => (bytes === undefined ? "" : `${(bytes / 1048576).toFixed(1)} MB`)

const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) =>
  `<table><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`)
    .join("")}</table>`

export const listPage = (
  type: string,
  offset: number,
  num: number,
  total: number,
  rows: ReadonlyArray<TaskView & { which: string; cpu: number; rss: number }>
): string => {
  const nav = ["all", "active", "finished"]
    .map((t) => (t === type ? `<b>${t}</b>` : `<a href="/main/${t}">${t}</a>`))
    .join(" | ")
  const prev = offset > 0 ? `<a href="/main/${type}/${Math.max(0, offset - num)}/${num}">newer</a>` : ""
  const next = offset + num < total ? `<a href="/main/${type}/${offset + num}/${num}">older</a>` : ""
  const body = table(
    ["task", "name", "user", "launched", "status", "processes", "cpu", "ram", "links"],
    rows.map((r) => [
      `<a href="/task/${u(r.task_id)}">${esc(r.task_id)}</a>`,
      esc(r.name),
      esc(r.user),
      time(r.launch_timestamp),
      `<span class="${esc(r.state)}">${esc(r.state)}</span> @ ${time(r.state_timestamp)}`,
      `${r.processes.running.length} running, ${r.processes.success.length} ok, ${r.processes.failed.length} failed`,
      r.which === "active" ? r.cpu.toFixed(2) : "",
      r.which === "active" ? mb(r.rss) : "",
      // Port links open the task's own pages (http, admin, health…) on this host.
      Object.entries(r.ports)
        .map(([n, p]) => `<a href="//${HOST_PLACEHOLDER}:${p}/">${esc(n)}</a>`)
        .join(" ")
    ])
  )
  return page("Tasks", `<p>${nav}</p><p>${total} task(s) ${prev} ${next}</p>${body}`)
}

/** Replaced per request by the host name the browser used, so port links work from anywhere. */
export const HOST_PLACEHOLDER = "__OBSERVER_HOST__"

const logLinks = (id: string, name: string, run: number) =>
  ["stdout", "stderr"].map((w) => `<a href="/logs/${u(id)}/${u(name)}/${run}/${w}">${w}</a>`).join(" ")

export const taskPage = (
  v: TaskView,
  t: LoadedTask,
  procs: Readonly<Record<string, ProcessRunView>>
): string => {
  const id = v.task_id
  const info = table(
    ["state", "user", "launched", "ports", "sandbox", "config"],
    [
      [
        `<span class="${esc(v.state)}">${esc(v.state)}</span>`,
        esc(v.user),
        time(v.launch_timestamp),
        Object.entries(v.ports)
          .map(([n, p]) => `${esc(n)}:${p}`)
          .join(" "),
        `<a href="/browse/${u(id)}">browse</a>`,
        `<a href="/rawtask/${u(id)}">task</a>`
      ]
    ]
  )
  const history = table(
    ["status", "time"],
    t.state.statuses.map((s) => [esc(s.state), time(s.timestamp_ms / 1000)])
  )
  const rows = Object.values(procs).map((p) => [
    `<a href="/process/${u(id)}/${u(p.process_name)}">${esc(p.process_name)}</a>`,
    String(p.process_run),
    `<span class="${esc(p.state)}">${esc(p.state)}</span>`,
    time(p.start_time),
    time(p.stop_time),
    p.return_code === undefined ? "" : String(p.return_code),
    p.used === undefined ? "" : `${p.used.cpu.toFixed(2)} cpu, ${mb(p.used.rss)}`,
    logLinks(id, p.process_name, p.process_run)
  ])
  const waiting = v.processes.waiting.filter((n) => procs[n] === undefined)
  return page(
    `Task ${id}`,
    `${info}<h3>Processes</h3>${table(["process", "run", "state", "started", "stopped", "rc", "resources", "logs"], rows)}` +
      (waiting.length > 0 ? `<p>Not started: ${waiting.map(esc).join(", ")}</p>` : "") +
      `<h3>Status history</h3>${history}`
  )
}

export const processPage = (
  id: string,
  name: string,
  cmdline: string,
  runs: ReadonlyArray<ProcessRunView>,
  current: ProcessRunView | undefined
): string => {
  const used = current?.used
  const rows = [...runs]
    .reverse()
    .map((r) => [
      String(r.process_run),
      `<span class="${esc(r.state)}">${esc(r.state)}</span>`,
      time(r.start_time),
      time(r.stop_time),
      r.return_code === undefined ? "" : String(r.return_code),
      logLinks(id, name, r.process_run)
    ])
  return page(
    `Process ${name} of ${id}`,
    `<pre>${esc(cmdline)}</pre>` +
      (used === undefined
        ? ""
        : `<p>cpu ${used.cpu.toFixed(2)}, rss ${mb(used.rss)}, vms ${mb(used.vms)}, threads ${used.threads}, user ${used.user.toFixed(2)} s, system ${used.system.toFixed(2)} s</p>`) +
      table(["run", "state", "started", "stopped", "rc", "logs"], rows) +
      `<p><a href="/task/${u(id)}">back to task</a></p>`
  )
}

/** A log tail that keeps following the file through /logdata. */
export const logPage = (id: string, name: string, run: number, which: string, initial: string): string => {
  const data = `/logdata/${u(id)}/${u(name)}/${run}/${which}`
  return page(
    `${which} of ${name} run ${run} (${id})`,
    `<p><a href="/download/${u(id)}/.logs/${u(name)}/${run}/${which}">download</a> · <a href="/process/${u(id)}/${u(name)}">process</a></p>` +
      `<pre id="log">${initial}</pre><script>
let off=null;const el=document.getElementById("log");
async function poll(){const q=off===null?"":"?offset="+off;const r=await fetch("${data}"+q);const j=await r.json();
if(j.offset!==undefined){if(off!==null&&j.length>0){el.insertAdjacentHTML("beforeend",j.data);el.scrollTop=el.scrollHeight}off=j.offset+j.length}}
setInterval(poll,2000);poll()</script>`
  )
}

export const browsePage = (
  id: string,
  rel: string,
  entries: ReadonlyArray<{ name: string; dir: boolean; size: number; mtimeMs: number; mode: number }>
): string => {
  const base = rel === "" ? "" : `${rel}/`
  const rows = entries.map((e) => [
    `${e.dir ? "d" : "-"}${(e.mode & 0o777).toString(8)}`,
    String(e.size),
    new Date(e.mtimeMs).toISOString(),
    e.dir
      ? `<a href="/browse/${u(id)}/${base.split("/").map(u).join("/")}${u(e.name)}">${esc(e.name)}/</a>`
      : `<a href="/file/${u(id)}/${base.split("/").map(u).join("/")}${u(e.name)}">${esc(e.name)}</a> (<a href="/download/${u(id)}/${base.split("/").map(u).join("/")}${u(e.name)}">download</a>)`
  ])
  return page(`Sandbox of ${id}: /${rel}`, table(["mode", "size", "modified", "name"], rows))
}

export type { ProcessRun }
