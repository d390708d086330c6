/** Thermos-side task checks done at conversion (client-config.md §4.5). */
import { PList, type PObj, PSimple, type PStruct } from "./pystachio/objects.ts"

const PROCESS_NAME = /^[^./][^/]*$/

interface Proc {
  readonly name: string
  readonly daemon: boolean
  readonly ephemeral: boolean
  readonly final: boolean
}

const flag = (p: PStruct, f: string): boolean => {
  const v = p.field(f)
  return v instanceof PSimple && (v.interpolate().obj as PSimple).raw === true
}

/** Order constraints within one process set: known names only, acyclic, daemon/ephemeral rules. */
const checkOrder = (
  orders: ReadonlyArray<ReadonlyArray<string>>,
  procs: ReadonlyMap<string, Proc>
): string | null => {
  const edges = new Map<string, Set<string>>()
  for (const order of orders) {
    for (let i = 0; i + 1 < order.length; i++) {
      const a = procs.get(order[i])!
      const b = procs.get(order[i + 1])!
      if (a.daemon) return `Process ${b.name} may not depend on daemon process ${a.name}`
      if (a.ephemeral && !b.ephemeral)
        return `Non-ephemeral process ${b.name} may not depend on ephemeral process ${a.name}`
      if (!edges.has(a.name)) edges.set(a.name, new Set())
      edges.get(a.name)!.add(b.name)
    }
  }
  const state = new Map<string, number>()
  const visit = (n: string): boolean => {
    const s = state.get(n)
    if (s === 1) return false
    if (s === 2) return true
    state.set(n, 1)
    for (const m of edges.get(n) ?? []) if (!visit(m)) return false
    state.set(n, 2)
    return true
  }
  for (const n of edges.keys()) if (!visit(n)) return "Process dependencies contain a cycle"
  return null
}

/** The first problem with the task, or null. */
export const validateTask = (task: PStruct): string | null => {
  const typeError = task.checkAt("Task")
  if (typeError) return typeError
  const list = task.field("processes")
  const items = list instanceof PList ? list.iter() : []
  const procs = new Map<string, Proc>()
  for (const it of items) {
    const p = it as PStruct
    const name = p.field("name")?.str() ?? ""
    if (!PROCESS_NAME.test(name))
      return `Process name ${JSON.stringify(name)} is invalid (must not start with '.' or '/' and contain no '/')`
    if (procs.has(name)) return `Duplicate process name ${JSON.stringify(name)}`
    procs.set(name, {
      name,
      daemon: flag(p, "daemon"),
      ephemeral: flag(p, "ephemeral"),
      final: flag(p, "final")
    })
  }
  const orders: string[][] = []
  const cs = task.field("constraints")
  for (const c of cs instanceof PList ? cs.iter() : []) {
    const o = (c as PStruct).field("order")
    orders.push(o instanceof PList ? o.iter().map((x) => (x as PObj).str()) : [])
  }
  for (const final of [false, true]) {
    const set = new Map([...procs].filter(([, p]) => p.final === final))
    const inSet: string[][] = []
    for (const order of orders) {
      const known = order.filter((n) => set.has(n)).length
      if (order.length === 0 || (known > 0 && known < order.length)) {
        if (order.some((n) => !procs.has(n)))
          return `Order constraint names unknown processes: ${order.join(", ")}`
        return `Order constraint [${order.join(", ")}] must name only ${final ? "final" : "non-final"} processes or none of them`
      }
      if (known === order.length) inSet.push(order)
    }
    const problem = checkOrder(inSet, set)
    if (problem) return problem
  }
  for (const order of orders) {
    const unknown = order.filter((n) => !procs.has(n))
    if (unknown.length > 0) return `Order constraint names unknown processes: ${unknown.join(", ")}`
  }
  return null
}
