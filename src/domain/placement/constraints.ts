import { type Constraint, DEDICATED_ATTRIBUTE, type HostAttributes, type TaskConfig } from "../model/index.ts"
import type { HostInfo } from "./offers.ts"

/** Counts of (attribute name, value) over a job's tasks on agents (scheduling.md §1.6). */
export interface AttributeCounts {
  count(name: string, value: string): number
}

/**
 * A job's AttributeAggregate. Mutable so the caller can keep it current incrementally; an overlay over
 * a base lets one scheduling batch add its own assignments without touching the base (the spec's fix:
 * limits are re-checked between tasks of one batch).
 */
export class AttributeAggregate implements AttributeCounts {
  private readonly counts = new Map<string, Map<string, number>>()
  constructor(private readonly base?: AttributeCounts) {}

  static of(hosts: Iterable<HostAttributes>): AttributeAggregate {
    const a = new AttributeAggregate()
    for (const h of hosts) a.addHost(h)
    return a
  }

  count(name: string, value: string): number {
    const own = this.counts.get(name)?.get(value) ?? 0
    return this.base === undefined ? own : own + this.base.count(name, value)
  }

  /** One task on this host: each distinct value of each attribute counts once. */
  addHost(h: HostAttributes, delta = 1): void {
    const attrs = h.attributes
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i]
      let m = this.counts.get(a.name)
      for (let j = 0; j < a.values.length; j++) {
        const v = a.values[j]
        if (seenBefore(attrs, i, j, a.name, v)) continue
        if (m === undefined) {
          m = new Map()
          this.counts.set(a.name, m)
        }
        m.set(v, (m.get(v) ?? 0) + delta)
      }
    }
  }

  removeHost(h: HostAttributes): void {
    this.addHost(h, -1)
  }
}

/** Whether (name, v) already appeared earlier in the host's attributes (duplicates merge). */
const seenBefore = (
  attrs: HostAttributes["attributes"],
  i: number,
  j: number,
  name: string,
  v: string
): boolean => {
  for (let k = 0; k < j; k++) if (attrs[i].values[k] === v) return true
  for (let x = 0; x < i; x++) if (attrs[x].name === name && attrs[x].values.includes(v)) return true
  return false
}

export const EMPTY_COUNTS: AttributeCounts = { count: () => 0 }

export interface CompiledValueConstraint {
  readonly name: string
  readonly negated: boolean
  readonly values: ReadonlyArray<string>
}
export interface CompiledLimitConstraint {
  readonly name: string
  readonly limit: number
}
export interface CompiledConstraints {
  /** The task has a constraint named `dedicated` (negated or not: quirk 10.8). */
  readonly dedicated: boolean
  readonly values: ReadonlyArray<CompiledValueConstraint>
  readonly limits: ReadonlyArray<CompiledLimitConstraint>
}

export const compileConstraints = (constraints: ReadonlyArray<Constraint>): CompiledConstraints => {
  const values: Array<CompiledValueConstraint> = []
  const limits: Array<CompiledLimitConstraint> = []
  let dedicated = false
  for (const c of constraints) {
    if (c.name === DEDICATED_ATTRIBUTE) dedicated = true
    if ("value" in c.constraint) {
      values.push({ name: c.name, negated: c.constraint.value.negated, values: c.constraint.value.values })
    } else {
      limits.push({ name: c.name, limit: c.constraint.limit.limit })
    }
  }
  return { dedicated, values, limits }
}

export type ConstraintFailure =
  | { readonly kind: "mismatch"; readonly name: string }
  | { readonly kind: "limit"; readonly name: string }

const EMPTY: ReadonlyArray<string> = []

/** Value constraint: some value among the host's values, XOR negated. Missing attribute = no values. */
export const valueConstraintSatisfied = (c: CompiledValueConstraint, host: HostInfo): boolean => {
  const hostValues = host.values.get(c.name) ?? EMPTY
  let match = false
  for (const v of c.values) {
    if (hostValues.includes(v)) {
      match = true
      break
    }
  }
  return match !== c.negated
}

/**
 * First failing constraint, value constraints first; `undefined` when all hold. The aggregate is asked
 * for only when a limit constraint needs it (Aurora builds it lazily).
 */
export const checkConstraints = (
  cs: CompiledConstraints,
  host: HostInfo,
  aggregate: () => AttributeCounts
): ConstraintFailure | undefined => {
  for (const c of cs.values) if (!valueConstraintSatisfied(c, host)) return { kind: "mismatch", name: c.name }
  if (cs.limits.length === 0) return undefined
  const agg = aggregate()
  for (const c of cs.limits) {
    const hostValues = host.values.get(c.name)
    if (hostValues === undefined || hostValues.length === 0) return { kind: "mismatch", name: c.name }
    for (const v of hostValues) if (agg.count(c.name, v) >= c.limit) return { kind: "limit", name: c.name }
  }
  return undefined
}

/**
 * `--enable_legacy_constraints`: `host:limit:1` for every job without a `host` constraint and
 * `rack:limit:1` for production services without a `rack` constraint.
 */
export const withLegacyConstraints = (config: TaskConfig, production: boolean): TaskConfig => {
  const has = (name: string) => config.constraints.some((c) => c.name === name)
  const added: Array<Constraint> = []
  if (!has("host")) added.push({ name: "host", constraint: { limit: { limit: 1 } } })
  if (production && config.isService && !has("rack")) {
    added.push({ name: "rack", constraint: { limit: { limit: 1 } } })
  }
  return added.length === 0 ? config : { ...config, constraints: [...config.constraints, ...added] }
}

/** Client syntax: `limit:N`, or comma-separated values with a leading `!` for negation. */
export const parseConstraintText = (name: string, text: string): Constraint | { readonly error: string } => {
  const m = /^limit:(\d+)$/.exec(text)
  if (m !== null) return { name, constraint: { limit: { limit: Number(m[1]) } } }
  if (text.startsWith("limit:")) return { error: `Constraint ${name}: invalid limit '${text}'` }
  const negated = text.startsWith("!")
  const body = negated ? text.slice(1) : text
  const values = body.split(",").map((v) => v.trim())
  if (values.some((v) => v.length === 0)) return { error: `Constraint ${name}: empty value in '${text}'` }
  return { name, constraint: { value: { negated, values } } }
}
