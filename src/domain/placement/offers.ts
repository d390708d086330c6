import { Schema } from "effect"
import { Attribute, type HostAttributes, type MaintenanceMode } from "../model/index.ts"
import { type Bag, DEFAULT_REVOCABLE, type RevocableSettings } from "./resources.ts"

export const PortRange = Schema.Struct({ begin: Schema.Int, end: Schema.Int })
export type PortRange = typeof PortRange.Type

/** One Mesos resource of an offer: a scalar (`cpus`, `mem`, `disk`, `gpus`) or ranges (`ports`). */
export const OfferResource = Schema.Struct({
  name: Schema.String,
  scalar: Schema.optional(Schema.Number),
  ranges: Schema.optional(Schema.Array(PortRange)),
  revocable: Schema.optional(Schema.Boolean),
  role: Schema.optional(Schema.String)
})
export type OfferResource = typeof OfferResource.Type

export const Unavailability = Schema.Struct({
  startMs: Schema.Number,
  durationMs: Schema.optional(Schema.Number)
})
export type Unavailability = typeof Unavailability.Type

export const Offer = Schema.Struct({
  id: Schema.String,
  agentId: Schema.String,
  host: Schema.String,
  resources: Schema.Array(OfferResource),
  attributes: Schema.optionalWith(Schema.Array(Attribute), { default: () => [] }),
  unavailability: Schema.optional(Unavailability)
}).annotations({ identifier: "Offer" })
export type Offer = typeof Offer.Type

/** Host attributes compiled for fast constraint checks: values merged per name. */
export interface HostInfo {
  readonly host: string
  readonly agentId: string | undefined
  readonly mode: MaintenanceMode
  readonly values: ReadonlyMap<string, ReadonlyArray<string>>
  readonly dedicated: boolean
  readonly attributes: HostAttributes
}

export const compileHost = (attributes: HostAttributes): HostInfo => {
  const sets = new Map<string, Set<string>>()
  for (const a of attributes.attributes) {
    let s = sets.get(a.name)
    if (s === undefined) {
      s = new Set()
      sets.set(a.name, s)
    }
    for (const v of a.values) s.add(v)
  }
  const values = new Map<string, ReadonlyArray<string>>()
  for (const [k, s] of sets) values.set(k, [...s])
  return {
    host: attributes.host,
    agentId: attributes.slaveId,
    mode: attributes.mode ?? "NONE",
    values,
    dedicated: values.has("dedicated"),
    attributes
  }
}

/** Host attributes an offer brings when the store has none yet (mode NONE). */
export const offerHostAttributes = (offer: Offer): HostAttributes => ({
  host: offer.host,
  attributes: offer.attributes,
  mode: "NONE",
  slaveId: offer.agentId
})

/** An offer with its bags and host precomputed once, so matching many tasks stays cheap. */
export interface PreparedOffer {
  readonly offer: Offer
  readonly host: HostInfo
  /** Non-revocable resources only: what a non-revocable task (and preemption slack) may use. */
  readonly nonRevocable: Bag
  /** What a revocable task may use: revocable-capable types only from revocable resources. */
  readonly forRevocable: Bag
  readonly revocableCpus: number
  /** Any CPU / RAM at all (including revocable): zero offers are skipped before filtering. */
  readonly hasCpuAndRam: boolean
  readonly unavailabilityStartMs: number | undefined
}

const countPorts = (ranges: ReadonlyArray<PortRange> | undefined): number => {
  let n = 0
  if (ranges !== undefined) for (const r of ranges) if (r.end >= r.begin) n += r.end - r.begin + 1
  return n
}

export const prepareOffer = (
  offer: Offer,
  host: HostInfo,
  revocable: RevocableSettings = DEFAULT_REVOCABLE
): PreparedOffer => {
  const nr = { cpus: 0, ramMb: 0, diskMb: 0, ports: 0, gpus: 0 }
  const rv = { cpus: 0, ramMb: 0, diskMb: 0, ports: 0, gpus: 0 }
  let anyCpu = 0
  let anyRam = 0
  for (const r of offer.resources) {
    const rev = r.revocable === true
    const s = r.scalar ?? 0
    switch (r.name) {
      case "cpus":
        anyCpu += s
        if (!rev) nr.cpus += s
        else rv.cpus += s
        break
      case "mem":
        anyRam += s
        if (!rev) nr.ramMb += s
        else rv.ramMb += s
        break
      case "disk":
        if (!rev) nr.diskMb += s
        else rv.diskMb += s
        break
      case "gpus":
        if (!rev) nr.gpus += s
        else rv.gpus += s
        break
      case "ports": {
        const n = countPorts(r.ranges)
        if (!rev) nr.ports += n
        else rv.ports += n
        break
      }
      default:
      // Unknown Mesos resource names are ignored.
    }
  }
  const forRevocable: Bag = {
    cpus: revocable.cpus ? rv.cpus : nr.cpus + rv.cpus,
    ramMb: revocable.ram ? rv.ramMb : nr.ramMb + rv.ramMb,
    diskMb: nr.diskMb + rv.diskMb,
    ports: nr.ports + rv.ports,
    gpus: nr.gpus + rv.gpus
  }
  return {
    offer,
    host,
    nonRevocable: nr,
    forRevocable,
    revocableCpus: rv.cpus,
    hasCpuAndRam: anyCpu > 0 && anyRam > 0,
    unavailabilityStartMs: offer.unavailability?.startMs
  }
}

/** Every port number in the offer's port ranges (non-revocable and revocable alike), ascending by range. */
export const offeredPorts = (offer: Offer): Array<number> => {
  const out: Array<number> = []
  for (const r of offer.resources) {
    if (r.name !== "ports" || r.ranges === undefined) continue
    for (const range of r.ranges) for (let p = range.begin; p <= range.end; p++) out.push(p)
  }
  return out
}
