import type { Offer, OfferResource, PortRange } from "./offers.ts"
import type { Bag, RevocableSettings } from "./resources.ts"

const EPS = 1e-6

type Step = { readonly out: Array<OfferResource> } | { readonly short: string; readonly missing: number }

export type Carved =
  | {
      readonly _tag: "Carved"
      readonly task: ReadonlyArray<OfferResource>
      readonly executor: ReadonlyArray<OfferResource>
    }
  | { readonly _tag: "Short"; readonly resource: string; readonly missing: number }

const SCALARS: ReadonlyArray<{ readonly name: string; readonly key: "cpus" | "ramMb" | "diskMb" | "gpus" }> =
  [
    { name: "cpus", key: "cpus" },
    { name: "mem", key: "ramMb" },
    { name: "disk", key: "diskMb" },
    { name: "gpus", key: "gpus" }
  ]

const revocableCapable = (name: string, r: RevocableSettings): boolean =>
  (name === "cpus" && r.cpus) || (name === "mem" && r.ram)

/**
 * Mesos resources for a launch (§1.7): per type, take the offer's matching resources (reserved-role
 * ones first), carving scalars greedily and ports by intersection with the assigned ports. A revocable
 * task takes revocable resources of revocable-capable types. The executor's overhead is carved after
 * the task, from what is left.
 */
export const carveResources = (
  offer: Offer,
  task: Bag,
  ports: ReadonlyArray<number>,
  executor: Bag,
  revocableTask: boolean,
  revocable: RevocableSettings
): Carved => {
  // Remaining amounts per offer resource, in preference order: reserved roles first.
  const pool = offer.resources
    .map((r, i) => ({ r, i, left: r.scalar ?? 0 }))
    .sort((a, b) => {
      const ra = a.r.role !== undefined && a.r.role !== "*" ? 0 : 1
      const rb = b.r.role !== undefined && b.r.role !== "*" ? 0 : 1
      return ra - rb || a.i - b.i
    })
  const usable = (r: OfferResource, name: string) =>
    r.name === name && (revocableCapable(name, revocable) ? (r.revocable === true) === revocableTask : true)

  const carve = (want: Bag, portList: ReadonlyArray<number>): Step => {
    const out: Array<OfferResource> = []
    for (const { name, key } of SCALARS) {
      let need = want[key]
      if (need <= EPS) continue
      for (const p of pool) {
        if (need <= EPS) break
        if (!usable(p.r, name) || p.left <= EPS) continue
        const take = Math.min(need, p.left)
        p.left -= take
        need -= take
        out.push({ ...p.r, scalar: take })
      }
      if (need > EPS) return { short: name, missing: need }
    }
    let remaining = new Set(portList)
    for (const p of pool) {
      if (remaining.size === 0) break
      if (p.r.name !== "ports" || p.r.ranges === undefined) continue
      const taken: Array<number> = []
      for (const port of remaining)
        if (p.r.ranges.some((g) => port >= g.begin && port <= g.end)) taken.push(port)
      if (taken.length === 0) continue
      remaining = new Set([...remaining].filter((x) => !taken.includes(x)))
      const ranges: Array<PortRange> = taken.sort((a, b) => a - b).map((x) => ({ begin: x, end: x }))
      out.push({ ...p.r, ranges })
    }
    if (remaining.size > 0) return { short: "ports", missing: remaining.size }
    return { out }
  }

  const t = carve(task, ports)
  if ("short" in t) return { _tag: "Short", resource: t.short, missing: t.missing }
  const e = carve(executor, [])
  if ("short" in e) return { _tag: "Short", resource: e.short, missing: e.missing }
  return { _tag: "Carved", task: t.out, executor: e.out }
}
