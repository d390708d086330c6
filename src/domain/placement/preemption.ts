import type { TaskConfig } from "../model/index.ts"
import { type FilterSettings, hostVeto, type ResourceRequest, resourceVetoes } from "./filter.ts"
import type { HostInfo } from "./offers.ts"
import {
  addBags,
  type Bag,
  bagOfResources,
  compareBagsDescending,
  DEFAULT_EXECUTOR_OVERHEADS,
  DEFAULT_REVOCABLE,
  type ExecutorOverheads,
  type RevocableSettings
} from "./resources.ts"
import { DEFAULT_TIER_CONFIG, type TierConfig, type TierInfo, tierInfoOf } from "./tiers.ts"

/** The preemption-relevant identity of a task: tier flags, role and priority. */
export interface Rank {
  readonly preemptible: boolean
  readonly role: string
  readonly priority: number
}

export const rankOf = (config: TaskConfig, tiers: TierConfig = DEFAULT_TIER_CONFIG): Rank => ({
  preemptible: tierInfoOf(config, tiers).preemptible,
  role: config.job.role,
  priority: config.priority
})

/** §2.1, by tier flags: non-preemptible beats preemptible; equals only within a role by strict priority. */
export const canPreempt = (pending: Rank, victim: Rank): boolean =>
  !pending.preemptible && victim.preemptible
    ? true
    : pending.preemptible === victim.preemptible
      ? pending.role === victim.role && pending.priority > victim.priority
      : false

export interface Victim {
  readonly taskId: string
  readonly rank: Rank
  /** Task resources + executor overhead, minus revocable-capable types for revocable-tier victims. */
  readonly bag: Bag
}

export const makeVictim = (
  taskId: string,
  config: TaskConfig,
  tiers: TierConfig = DEFAULT_TIER_CONFIG,
  overheads: ExecutorOverheads = DEFAULT_EXECUTOR_OVERHEADS,
  revocable: RevocableSettings = DEFAULT_REVOCABLE
): Victim => {
  const tier: TierInfo = tierInfoOf(config, tiers)
  const name = config.executorConfig?.name
  const overhead = name === undefined ? undefined : overheads.get(name)
  let bag = bagOfResources(config.resources)
  if (overhead !== undefined) bag = addBags(bag, overhead)
  if (tier.revocable) {
    bag = { ...bag, cpus: revocable.cpus ? 0 : bag.cpus, ramMb: revocable.ram ? 0 : bag.ramMb }
  }
  return {
    taskId,
    rank: { preemptible: tier.preemptible, role: config.job.role, priority: config.priority },
    bag
  }
}

/** One agent as preemption sees it: stored host attributes, its offer's slack and its victims. */
export interface AgentSlot {
  readonly agentId: string
  /** Undefined when the host has no stored attributes (no preemption there). */
  readonly host: HostInfo | undefined
  /** Non-revocable resources of the agent's current offer (EMPTY without one). */
  readonly slack: Bag
  readonly unavailabilityStartMs: number | undefined
  readonly victims: ReadonlyArray<Victim>
}

/**
 * §2.2: eligible victims largest first, added one at a time until the filter passes on slack + victims.
 * Stages 1-3 of the filter do not depend on the victims, so they run once up front (same result).
 */
export const selectVictims = (
  request: ResourceRequest,
  pending: Rank,
  agent: AgentSlot,
  settings: FilterSettings
): ReadonlyArray<Victim> | undefined => {
  const all = agent.victims
  if (all.length === 0 || agent.host === undefined) return undefined
  let first = -1
  for (let i = 0; i < all.length; i++) {
    if (canPreempt(pending, all[i].rank)) {
      first = i
      break
    }
  }
  if (first < 0) return undefined
  if (hostVeto(agent.host, agent.unavailabilityStartMs, request, settings) !== undefined) return undefined
  const eligible: Array<Victim> = [all[first]]
  for (let i = first + 1; i < all.length; i++) if (canPreempt(pending, all[i].rank)) eligible.push(all[i])
  eligible.sort((a, b) => compareBagsDescending(a.bag, b.bag) || (a.taskId < b.taskId ? -1 : 1))
  let available = agent.slack
  for (let i = 0; i < eligible.length; i++) {
    available = addBags(available, eligible[i].bag)
    if (resourceVetoes(available, request.bag).length === 0) return eligible.slice(0, i + 1)
  }
  return undefined
}

export interface PendingGroup {
  readonly groupKey: string
  readonly request: ResourceRequest
  readonly rank: Rank
  /** Pending tasks of the group eligible for a slot search (old enough, no cached slot). */
  readonly count: number
}

export interface SlotProposal {
  readonly groupKey: string
  readonly agentId: string
  readonly victims: ReadonlyArray<string>
}

/** Interleave groups in batches: repeatedly, for each group, min(remaining, batch) copies. */
export const interleaveGroups = (groups: ReadonlyArray<PendingGroup>, batch: number): Array<number> => {
  const remaining = groups.map((g) => g.count)
  const out: Array<number> = []
  let left = remaining.reduce((a, b) => a + b, 0)
  while (left > 0) {
    for (let g = 0; g < groups.length; g++) {
      const n = Math.min(remaining[g], batch)
      for (let i = 0; i < n; i++) out.push(g)
      remaining[g] -= n
      left -= n
    }
  }
  return out
}

/**
 * §2.3 slot search over agents in the given (deterministic) order. An agent that yields a slot leaves
 * this run; a group that finds no slot on any agent is dropped for the rest of the run.
 */
/**
 * Agents' positions by (attribute name, value), ascending: lets a group with a plain value constraint
 * visit only the agents that can satisfy it (same agents, same order, same result as a full scan).
 */
export type AgentIndex = ReadonlyMap<string, ReadonlyMap<string, ReadonlyArray<number>>>

export const buildAgentIndex = (agents: ReadonlyArray<AgentSlot>): AgentIndex => {
  const index = new Map<string, Map<string, Array<number>>>()
  for (let i = 0; i < agents.length; i++) {
    const host = agents[i].host
    if (host === undefined) continue
    for (const [name, values] of host.values) {
      let byValue = index.get(name)
      if (byValue === undefined) {
        byValue = new Map()
        index.set(name, byValue)
      }
      for (const v of values) {
        const list = byValue.get(v)
        if (list === undefined) byValue.set(v, [i])
        else list.push(i)
      }
    }
  }
  return index
}

const EMPTY_POSITIONS: ReadonlyArray<number> = []

/** Positions that can satisfy every plain value constraint of the request; undefined = no restriction. */
export const candidatePositions = (
  request: ResourceRequest,
  index: AgentIndex
): ReadonlyArray<number> | undefined => {
  let result: ReadonlyArray<number> | undefined
  for (const c of request.constraints.values) {
    if (c.negated) continue
    const byValue = index.get(c.name)
    const set = new Set<number>()
    if (byValue !== undefined)
      for (const v of c.values) for (const p of byValue.get(v) ?? EMPTY_POSITIONS) set.add(p)
    const next = result === undefined ? [...set] : result.filter((p) => set.has(p))
    result = next.sort((a, b) => a - b)
    if (result.length === 0) return EMPTY_POSITIONS
  }
  return result
}

export const searchSlots = (
  groups: ReadonlyArray<PendingGroup>,
  agents: ReadonlyArray<AgentSlot>,
  settings: FilterSettings,
  batch = 5,
  index?: AgentIndex
): Array<SlotProposal> => {
  const out: Array<SlotProposal> = []
  if (agents.length === 0) return out
  const taken = new Uint8Array(agents.length)
  const dropped = new Uint8Array(groups.length)
  const candidates = groups.map((g) =>
    index === undefined ? undefined : candidatePositions(g.request, index)
  )
  let prevGroup = -1
  let cursor = 0
  for (const g of interleaveGroups(groups, batch)) {
    if (dropped[g] === 1) continue
    if (g !== prevGroup) cursor = 0
    prevGroup = g
    const group = groups[g]
    const only = candidates[g]
    const end = only === undefined ? agents.length : only.length
    let found = false
    for (; cursor < end; cursor++) {
      const pos = only === undefined ? cursor : only[cursor]
      if (taken[pos] === 1) continue
      const victims = selectVictims(group.request, group.rank, agents[pos], settings)
      if (victims !== undefined) {
        taken[pos] = 1
        out.push({
          groupKey: group.groupKey,
          agentId: agents[pos].agentId,
          victims: victims.map((v) => v.taskId)
        })
        cursor++
        found = true
        break
      }
    }
    if (!found) dropped[g] = 1
  }
  return out
}

export const preemptionMessage = (pendingTaskId: string): string => `Preempting in favor of ${pendingTaskId}`
