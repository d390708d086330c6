/** Aurora's configuration helpers (client-config.md §3.3) and the names a config file starts with. */

import { EMPTY, PList, type PObj, PSimple, PStruct } from "../pystachio/objects.ts"
import { PTypeValue, pystachioNames } from "../pystachio/python.ts"
import { sameType } from "../pystachio/types.ts"
import { fail } from "../python/errors.ts"
import {
  equals,
  iterate,
  type Kwargs,
  PyBuiltin,
  PyDict,
  PyFloat,
  PyList,
  PyModule,
  PyTuple,
  str,
  typeName,
  type Value
} from "../python/values.ts"
import {
  Constraint,
  empty,
  GB,
  HttpLifecycleConfig,
  Job,
  LifecycleConfig,
  MB,
  Mode,
  Process,
  Resources,
  SCHEMA_STRUCTS,
  Task
} from "./aurora.ts"

const fn = (name: string, f: (a: Value[], kw: Kwargs) => Value) => new PyBuiltin(name, f)

const isA = (v: Value, t: typeof Task): v is PStruct => v instanceof PStruct && sameType(v.type, t)

/** `order(a, b, ...)`: processes or names; lists flatten. */
export const order = (args: Value[]): PList => {
  const names: string[] = []
  const add = (v: Value) => {
    if (isA(v, Process)) names.push(v.field("name")!.str())
    else if (v instanceof PSimple) names.push(v.str())
    else if (typeof v === "string") names.push(v)
    else if (v instanceof PyList || v instanceof PyTuple || v instanceof PList)
      for (const x of iterate(v)) add(x)
    else fail("ValueError", `order() accepts Process objects or names, got ${typeName(v)}`)
  }
  for (const a of args) add(a)
  return constraintList([orderConstraint(names)])
}

const constraintList = (cs: ReadonlyArray<PObj>): PList => new PList(Task.fields.get("constraints")!.type, cs)

const orderConstraint = (names: ReadonlyArray<string>): PStruct =>
  empty(Constraint, { order: new PyList([...names]) })

const taskProcesses = (t: PStruct): PObj[] => {
  const p = t.raw("processes")
  return p instanceof PList ? [...p.items] : []
}
const taskConstraints = (t: PStruct): PObj[] => {
  const c = t.raw("constraints")
  return c instanceof PList ? [...c.items] : []
}
const processName = (p: PObj): string => (p instanceof PStruct ? (p.field("name")?.str() ?? "") : p.str())

const dedupe = (objs: PObj[]): PObj[] => {
  const out: PObj[] = []
  for (const o of objs) if (!out.some((x) => equals(x, o))) out.push(o)
  return out
}

const resourceNum = (r: PStruct | undefined, f: string): number => {
  const v = r?.field(f)
  if (!v) return 0
  const raw = (v.interpolate().obj as PSimple).raw
  return typeof raw === "number" ? raw : raw instanceof PyFloat ? raw.v : Number(raw) || 0
}

const combineResources = (tasks: PStruct[], op: (a: number, b: number) => number): PStruct => {
  const get = (t: PStruct) => t.field("resources") as PStruct | undefined
  const fold = (f: string) => tasks.reduce((acc, t) => op(acc, resourceNum(get(t), f)), 0)
  return empty(Resources, {
    cpu: new PyFloat(fold("cpu")),
    ram: fold("ram"),
    disk: fold("disk"),
    gpu: fold("gpu")
  })
}

const finalizationWait = (t: PStruct): number => resourceNum(t, "finalization_wait")

const baseTask = (tasks: PStruct[]): PStruct => tasks[tasks.length - 1]

const combine = (args: Value[], kw: Kwargs): Value => {
  const tasks = args.map((t) =>
    isA(t, Task) ? t : fail("TypeError", `Tasks.combine expects Tasks, got ${typeName(t)}`)
  )
  if (tasks.length === 0) return empty(Task)
  const base = baseTask(tasks)
  const out = base.update([
    ["processes", new PList(Task.fields.get("processes")!.type, dedupe(tasks.flatMap(taskProcesses)))],
    ["resources", combineResources(tasks, (a, b) => a + b)],
    ["constraints", constraintList(dedupe(tasks.flatMap(taskConstraints)))],
    ["finalization_wait", Math.max(...tasks.map(finalizationWait))]
  ])
  return out.update(kw)
}

const concat = (args: Value[], kw: Kwargs): Value => {
  const tasks = args.map((t) =>
    isA(t, Task) ? t : fail("TypeError", `Tasks.concat expects Tasks, got ${typeName(t)}`)
  )
  if (tasks.length === 0) return empty(Task)
  const base = baseTask(tasks)
  const constraints = dedupe(tasks.flatMap(taskConstraints))
  for (let k = 0; k + 1 < tasks.length; k++) {
    for (const p1 of taskProcesses(tasks[k])) {
      for (const p2 of taskProcesses(tasks[k + 1])) {
        const a = processName(p1)
        const b = processName(p2)
        if (a !== b) constraints.push(orderConstraint([a, b]))
      }
    }
  }
  const out = base.update([
    ["processes", new PList(Task.fields.get("processes")!.type, dedupe(tasks.flatMap(taskProcesses)))],
    ["resources", combineResources(tasks, Math.max)],
    ["constraints", constraintList(constraints)],
    ["finalization_wait", tasks.reduce((acc, t) => acc + finalizationWait(t), 0)]
  ])
  return out.update(kw)
}

const simpleTask = (a: Value[], kw: Kwargs): Value => {
  const name = a[0] ?? kw.get("name")
  const cmd = a[1] ?? kw.get("command")
  if (name === undefined || cmd === undefined)
    return fail("TypeError", "SimpleTask(name, command) takes two arguments")
  return empty(Task, {
    name,
    processes: new PyList([empty(Process, { name, cmdline: cmd })]),
    resources: empty(Resources, { cpu: new PyFloat(1), ram: GB, disk: GB })
  })
}

const sequentialTask = (a: Value[], kw: Kwargs): Value => {
  const t = empty(Task).call(a, kw) as PStruct
  const procs = t.raw("processes")
  if (!(procs instanceof PList)) return t
  if (taskConstraints(t).length > 0)
    fail("ValueError", "Cannot specify process constraints with SequentialTask")
  return t.update([["constraints", constraintList([orderConstraint(procs.items.map(processName))])]])
}

const options =
  (single: (name: string) => string) =>
  (a: Value[], kw: Kwargs): Value => {
    const out: string[] = []
    const pair = (k: string, v: Value) => out.push(`${single(k)} ${str(v)}`)
    for (const x of a) {
      if (x instanceof PyDict) for (const [k, v] of x.entries()) pair(str(k), v)
      else out.push(single(str(x)))
    }
    for (const [k, v] of kw) pair(k, v)
    return out.join(" ")
  }

const mod = (name: string, entries: ReadonlyArray<readonly [string, Value]>) =>
  new PyModule(name, new Map(entries))

/** Everything a configuration file sees before its first line runs (minus `include`). */
export const auroraNames = (): Map<string, Value> => {
  const n = pystachioNames()
  for (const [name, t] of SCHEMA_STRUCTS) n.set(name, new PTypeValue(t))
  n.set("Mode", new PTypeValue(Mode))
  n.set("BYTES", 1)
  n.set("KB", 1024)
  n.set("MB", MB)
  n.set("GB", GB)
  n.set("TB", 1024 * GB)
  const orderFn = fn("order", (a) => order(a))
  n.set("order", orderFn)
  n.set("Service", empty(Job, { service: true }))
  n.set("DefaultLifecycleConfig", empty(LifecycleConfig, { http: empty(HttpLifecycleConfig) }))
  n.set("DisableLifecycle", empty(LifecycleConfig))
  const combineFn = fn("combine", combine)
  const concatFn = fn("concat", concat)
  const simpleFn = fn("SimpleTask", simpleTask)
  const seqFn = fn("SequentialTask", sequentialTask)
  n.set("SimpleTask", simpleFn)
  n.set("SequentialTask", seqFn)
  n.set("combine_tasks", combineFn)
  n.set("concat_tasks", concatFn)
  n.set(
    "Tasks",
    mod("Tasks", [
      ["combine", combineFn],
      ["concat", concatFn],
      ["simple", simpleFn],
      ["sequential", seqFn]
    ])
  )
  n.set("Processes", mod("Processes", [["order", orderFn]]))
  const resourcesOf = (a: Value[], op: (x: number, y: number) => number) =>
    combineResources(
      a.map((r) => empty(Task, { resources: r instanceof PStruct ? r : EMPTY })),
      op
    )
  n.set(
    "Units",
    mod("Units", [
      ["resources_sum", fn("resources_sum", (a) => resourcesOf(a, (x, y) => x + y))],
      ["resources_max", fn("resources_max", (a) => resourcesOf(a, Math.max))],
      [
        "finalization_wait_sum",
        fn("finalization_wait_sum", (a) => a.reduce<number>((acc, v) => acc + Number(str(v)), 0))
      ],
      [
        "finalization_wait_max",
        fn("finalization_wait_max", (a) => Math.max(0, ...a.map((v) => Number(str(v)))))
      ],
      [
        "processes_merge",
        fn(
          "processes_merge",
          (a) => new PyList(dedupe(a.flatMap((t) => (isA(t, Task) ? taskProcesses(t) : []))))
        )
      ]
    ])
  )
  n.set(
    "java_options",
    fn(
      "java_options",
      options((k) => `-${k}`)
    )
  )
  n.set(
    "python_options",
    fn(
      "python_options",
      options((k) => (k.length === 1 ? `-${k}` : `--${k}`))
    )
  )
  return n
}
