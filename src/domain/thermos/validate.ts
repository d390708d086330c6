import type { Process, Task } from "./config.ts"

/** Validation of a Thermos task (executor.md §1); returns the problems found, empty when valid. */
const NAME = /^[^./][^/]*$/

export const validateTask = (task: Task): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const seen = new Set<string>()
  for (const [i, p] of task.processes.entries()) {
    if (!NAME.test(p.name)) problems.push(`processes[${i}].name: invalid process name '${p.name}'`)
    if (seen.has(p.name)) problems.push(`processes[${i}].name: duplicate process name '${p.name}'`)
    seen.add(p.name)
  }
  const byName = new Map(task.processes.map((p) => [p.name, p]))
  for (const [i, c] of task.constraints.entries()) {
    for (const n of c.order) {
      if (!byName.has(n)) problems.push(`constraints[${i}].order: unknown process '${n}'`)
    }
  }
  if (problems.length > 0) return problems
  for (const final of [false, true]) {
    const set = task.processes.filter((p) => p.final === final)
    for (const q of validateOrdering(set, task.constraints, byName))
      if (!problems.includes(q)) problems.push(q)
  }
  return problems
}

const validateOrdering = (
  set: ReadonlyArray<Process>,
  constraints: Task["constraints"],
  byName: ReadonlyMap<string, Process>
): ReadonlyArray<string> => {
  const names = new Set(set.map((p) => p.name))
  const edges = new Map<string, Set<string>>()
  for (const c of constraints) {
    const inside = c.order.filter((n) => names.has(n)).length
    if (inside === 0) continue
    if (inside !== c.order.length) return ["Invalid process dependencies!"]
    for (let k = 1; k < c.order.length; k++) {
      const prev = byName.get(c.order[k - 1])!
      const next = byName.get(c.order[k])!
      if (prev.daemon)
        return [`Invalid process dependencies! daemon process '${prev.name}' cannot precede others`]
      if (prev.ephemeral && !next.ephemeral)
        return [`Invalid process dependencies! ephemeral '${prev.name}' may only precede ephemeral processes`]
      const s = edges.get(prev.name) ?? new Set<string>()
      s.add(next.name)
      edges.set(prev.name, s)
    }
  }
  return hasCycle(names, edges) ? ["Cycles detected in the task schedule!"] : []
}

const hasCycle = (nodes: ReadonlySet<string>, edges: ReadonlyMap<string, ReadonlySet<string>>): boolean => {
  const state = new Map<string, 1 | 2>()
  const visit = (n: string): boolean => {
    const s = state.get(n)
    if (s === 1) return true
    if (s === 2) return false
    state.set(n, 1)
    for (const m of edges.get(n) ?? []) if (visit(m)) return true
    state.set(n, 2)
    return false
  }
  for (const n of nodes) if (visit(n)) return true
  return false
}

/** Predecessors of each process according to the task's order constraints. */
export const predecessors = (task: Task): ReadonlyMap<string, ReadonlyArray<string>> => {
  const preds = new Map<string, Set<string>>(task.processes.map((p) => [p.name, new Set<string>()]))
  for (const c of task.constraints)
    for (let k = 1; k < c.order.length; k++) preds.get(c.order[k])?.add(c.order[k - 1])
  return new Map([...preds].map(([k, v]) => [k, [...v].sort()]))
}
