import {
  closeSync,
  createReadStream,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync
} from "node:fs"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { join, relative } from "node:path"
import { currentRun } from "../../domain/thermos/checkpoint.ts"
import { logPath } from "../../domain/thermos/paths.ts"
import { processRunView, taskView } from "../../domain/thermos/views.ts"
import {
  browsePage,
  esc,
  HOST_PLACEHOLDER,
  listPage,
  logPage,
  page,
  processPage,
  taskPage
} from "./observer-html.ts"
import { procSnapshot, sampleGroup } from "./procfs.ts"
import {
  discoverRoots,
  findTask,
  type LoadedTask,
  listTasks,
  loadTask,
  type TaskEntry
} from "./task-store.ts"

/**
 * The Thermos observer (executor.md §9): a read-only HTTP server over checkpoint roots. HTML pages
 * for people, `/j/...` JSON for programs, log chunks and downloads confined to each task's sandbox.
 */
export interface ObserverOptions {
  readonly roots: ReadonlyArray<string>
  /** Also serve every executor checkpoint root found under this Mesos work dir (re-scanned per request). */
  readonly mesosRoot?: string
  readonly host?: string
  readonly port?: number
}

export interface Observer {
  readonly port: number
  readonly close: () => Promise<void>
}

const json = (res: ServerResponse, body: unknown, code = 200) => {
  res.writeHead(code, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}
const html = (res: ServerResponse, body: string, code = 200) => {
  res.writeHead(code, { "content-type": "text/html; charset=utf-8" })
  res.end(body)
}
const notFound = (res: ServerResponse, what: string) =>
  html(res, page("Not found", `<p>${esc(what)}</p>`), 404)

const processNames = (t: LoadedTask): ReadonlyArray<string> => {
  const names = (t.config.processes ?? []).map((p) => p.name)
  for (const n of Object.keys(t.state.processes)) if (!names.includes(n)) names.push(n)
  return names
}

const viewOf = (t: LoadedTask) =>
  taskView(t.entry.taskId, t.config.name ?? t.entry.taskId, processNames(t), t.state)

/** Latest-run views of every process of a task, with /proc samples for running ones. */
const processViews = (t: LoadedTask) => {
  const snap = procSnapshot()
  const now = Date.now()
  const out: Record<string, ReturnType<typeof processRunView>> = {}
  for (const name of processNames(t)) {
    const run = currentRun(t.state, name)
    if (run === undefined) continue
    const used = run.coordinator_pid !== undefined ? sampleGroup(snap, run.coordinator_pid, now) : undefined
    out[name] = processRunView(run, used)
  }
  return out
}

/** Row for the task lists, with the summed resource use of an active task's running processes. */
const row = (snapshot: ReturnType<typeof procSnapshot>, now: number) => (entry: TaskEntry) => {
  const t = loadTask(entry)
  let cpu = 0
  let rss = 0
  if (entry.which === "active")
    for (const name of Object.keys(t.state.processes)) {
      const r = currentRun(t.state, name)
      if (r?.coordinator_pid === undefined || (r.state !== "RUNNING" && r.state !== "FORKED")) continue
      const used = sampleGroup(snapshot, r.coordinator_pid, now)
      cpu += used?.cpu ?? 0
      rss += used?.rss ?? 0
    }
  return { ...viewOf(t), which: entry.which, cpu, rss }
}

/** Reads [offset, offset+length) of a file; offset −1 = end, length −1 = rest (logdata/filedata). */
const chunk = (path: string, offsetQ: string | null, lengthQ: string | null) => {
  let fd: number
  try {
    fd = openSync(path, "r")
  } catch {
    return {}
  }
  try {
    const size = fstatSync(fd).size
    let offset = offsetQ === null ? -1 : Number(offsetQ)
    let length = lengthQ === null ? -1 : Number(lengthQ)
    if (!Number.isFinite(offset) || offset < 0 || offset > size) offset = size
    if (!Number.isFinite(length) || length < 0) length = size - offset
    length = Math.min(length, size - offset, 4 * 1024 * 1024)
    const buf = Buffer.alloc(length)
    readSync(fd, buf, 0, length, offset)
    return { offset, length, data: esc(buf.toString("utf8")) }
  } finally {
    closeSync(fd)
  }
}

/** A path inside the sandbox (after resolving symlinks), or undefined when it escapes it. */
const confined = (sandbox: string, rel: string): string | undefined => {
  try {
    const root = realpathSync(sandbox)
    const full = realpathSync(join(root, rel))
    const r = relative(root, full)
    return r.startsWith("..") ? undefined : full
  } catch {
    return undefined
  }
}

const tail = (path: string, bytes: number): string => {
  const c = chunk(path, null, null) as { offset?: number }
  if (c.offset === undefined) return ""
  const start = Math.max(0, c.offset - bytes)
  return (chunk(path, String(start), null) as { data?: string }).data ?? ""
}

export const handle =
  (options: ObserverOptions) =>
  (req: IncomingMessage, res: ServerResponse): unknown => {
    const o = {
      ...options,
      roots:
        options.mesosRoot === undefined
          ? options.roots
          : [...options.roots, ...discoverRoots(options.mesosRoot)]
    }
    const url = new URL(req.url ?? "/", "http://observer")
    const parts = url.pathname
      .split("/")
      .filter((x) => x.length > 0)
      .map(decodeURIComponent)
    const task = (id: string | undefined) => {
      const e = id === undefined ? undefined : findTask(o.roots, id)
      return e === undefined ? undefined : loadTask(e)
    }
    const [head, ...rest] = parts
    switch (head) {
      case undefined:
      case "main": {
        const type = rest[0] ?? "all"
        if (!["all", "active", "finished"].includes(type)) return notFound(res, `unknown task type ${type}`)
        const offset = Number(rest[1] ?? 0) || 0
        const num = Number(rest[2] ?? 20) || 20
        const all = listTasks(o.roots).filter((t) => type === "all" || t.which === type)
        const rows = all.slice(offset, offset + num).map(row(procSnapshot(), Date.now()))
        const host = (req.headers.host ?? "localhost").replace(/:\d+$/, "")
        return html(
          res,
          listPage(type, offset, num, all.length, rows).replaceAll(HOST_PLACEHOLDER, esc(host))
        )
      }
      case "health":
        res.writeHead(200, { "content-type": "text/plain" })
        return void res.end("OK")
      case "vars.json":
        return json(res, { observer_tasks: listTasks(o.roots).length })
      case "task": {
        const t = task(rest[0])
        if (t === undefined) return notFound(res, `unknown task ${rest[0]}`)
        return html(res, taskPage(viewOf(t), t, processViews(t)))
      }
      case "rawtask": {
        const t = task(rest[0])
        if (t === undefined) return notFound(res, `unknown task ${rest[0]}`)
        return html(
          res,
          page(`Task ${t.entry.taskId}`, `<pre>${esc(JSON.stringify(t.config, null, 2))}</pre>`)
        )
      }
      case "process": {
        const t = task(rest[0])
        const runs = t?.state.processes[rest[1] ?? ""]
        if (t === undefined || runs === undefined)
          return notFound(res, `unknown task or process ${rest.join("/")}`)
        const cmdline = t.config.processes?.find((p) => p.name === rest[1])?.cmdline ?? ""
        return html(
          res,
          processPage(
            t.entry.taskId,
            rest[1],
            cmdline,
            runs.map((r) => processRunView(r)),
            processViews(t)[rest[1]]
          )
        )
      }
      case "logs": {
        const [id, proc, run, which] = rest
        const t = task(id)
        if (t === undefined || t.state.header === undefined || (which !== "stdout" && which !== "stderr"))
          return notFound(res, `unknown log ${rest.join("/")}`)
        const path = logPath(t.state.header.log_dir, proc, Number(run), which)
        return html(res, logPage(id, proc, Number(run), which, tail(path, 64 * 1024)))
      }
      case "logdata": {
        const [id, proc, run, which] = rest
        const t = task(id)
        if (t === undefined || t.state.header === undefined || (which !== "stdout" && which !== "stderr"))
          return json(res, {})
        const path = logPath(t.state.header.log_dir, proc, Number(run), which)
        return json(res, chunk(path, url.searchParams.get("offset"), url.searchParams.get("length")))
      }
      case "filedata":
      case "download":
      case "file":
      case "browse": {
        const t = task(rest[0])
        const sandbox = t?.state.header?.sandbox
        if (t === undefined || sandbox === undefined) return notFound(res, `unknown task ${rest[0]}`)
        const rel = rest.slice(1).join("/")
        const full = confined(sandbox, rel)
        if (full === undefined)
          return head === "filedata" ? json(res, {}) : notFound(res, `no such path ${rel}`)
        const st = statSync(full)
        if (head === "browse") {
          if (!st.isDirectory()) return notFound(res, `${rel} is not a directory`)
          const entries = readdirSync(full)
            .sort()
            .map((name) => {
              const s = statSync(join(full, name), { throwIfNoEntry: false })
              return {
                name,
                dir: s?.isDirectory() ?? false,
                size: s?.size ?? 0,
                mtimeMs: s?.mtimeMs ?? 0,
                mode: s?.mode ?? 0
              }
            })
          return html(res, browsePage(t.entry.taskId, rel, entries))
        }
        if (!st.isFile()) return head === "filedata" ? json(res, {}) : notFound(res, `${rel} is not a file`)
        if (head === "filedata")
          return json(res, chunk(full, url.searchParams.get("offset"), url.searchParams.get("length")))
        if (head === "file") return html(res, page(rel, `<pre>${tail(full, 1024 * 1024)}</pre>`))
        res.writeHead(200, {
          "content-type": "application/octet-stream",
          "content-disposition": `attachment; filename="${rel.split("/").pop()}"`,
          "content-length": st.size
        })
        return void createReadStream(full).pipe(res)
      }
      case "j":
        return jsonRoute(o, rest, url, res)
      default:
        return notFound(res, `no page ${url.pathname}`)
    }
  }

const jsonRoute = (o: ObserverOptions, rest: ReadonlyArray<string>, url: URL, res: ServerResponse) => {
  const [what, ...args] = rest
  const ids = (url.searchParams.get("task_id") ?? "").split(",").filter((x) => x.length > 0)
  const loaded = (id: string) => {
    const e = findTask(o.roots, id)
    return e === undefined ? undefined : loadTask(e)
  }
  switch (what) {
    case "task_ids": {
      const type = args[0] ?? "all"
      const offset = Number(args[1] ?? 0) || 0
      const num = Number(args[2] ?? 20) || 20
      const all = listTasks(o.roots).filter((t) => type === "all" || t.which === type)
      return json(res, {
        tasks: all.slice(offset, offset + num).map((e) => ({ ...viewOf(loadTask(e)), which: e.which })),
        type,
        offset,
        num,
        task_count: all.length
      })
    }
    case "task_id_count": {
      const all = listTasks(o.roots)
      const active = all.filter((t) => t.which === "active").length
      return json(res, { active, finished: all.length - active, all: all.length })
    }
    case "task": {
      const out: Record<string, unknown> = {}
      for (const id of args.length > 0 ? [args[0]] : ids) {
        const t = loaded(id)
        if (t !== undefined) out[id] = { ...viewOf(t), task: t.config }
      }
      return json(res, out)
    }
    case "process": {
      const t = loaded(args[0] ?? "")
      if (t === undefined) return json(res, {})
      if (args[1] === undefined) return json(res, processViews(t))
      const runs = t.state.processes[args[1]]
      if (runs === undefined) return json(res, {})
      if (args[2] === undefined) return json(res, processViews(t)[args[1]] ?? {})
      const run = runs[Number(args[2])]
      return json(res, run === undefined ? {} : processRunView(run))
    }
    case "processes": {
      const out: Record<string, unknown> = {}
      for (const id of ids) {
        const t = loaded(id)
        if (t !== undefined) out[id] = processViews(t)
      }
      return json(res, out)
    }
    default:
      return json(res, { error: `unknown endpoint /j/${rest.join("/")}` }, 404)
  }
}

export const startObserver = (o: ObserverOptions): Promise<Observer> =>
  new Promise((resolve, reject) => {
    const server: Server = createServer((req, res) => {
      try {
        handle(o)(req, res)
      } catch (e) {
        if (!res.headersSent) html(res, page("Error", `<p>${esc(String(e))}</p>`), 500)
        else res.end()
      }
    })
    server.once("error", reject)
    server.listen(o.port ?? 1338, o.host ?? "0.0.0.0", () => {
      const port = (server.address() as AddressInfo).port
      resolve({
        port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections()
            server.close(() => r())
          })
      })
    })
  })

export const observerRootsExist = (roots: ReadonlyArray<string>) => roots.filter((r) => existsSync(r))
