import { MaintenanceModeNumber } from "../model/index.ts"
import { type Offer, offeredPorts, type PreparedOffer } from "./offers.ts"

/** `-offer_order` entries. */
export type OfferOrder = "CPU" | "MEMORY" | "DISK" | "REVOCABLE_CPU" | "RANDOM"
export const OFFER_ORDERS: ReadonlyArray<OfferOrder> = ["CPU", "MEMORY", "DISK", "REVOCABLE_CPU", "RANDOM"]
export const DEFAULT_OFFER_ORDER: ReadonlyArray<OfferOrder> = ["RANDOM"]

/** A held offer plus its fixed random rank (drawn once from a seedable source when the offer arrives). */
export interface RankedOffer {
  readonly prepared: PreparedOffer
  readonly randomRank: number
}

const revocableCpuKey = (p: PreparedOffer): number => (p.revocableCpus === 0 ? Infinity : p.revocableCpus)

const compareBy = (order: OfferOrder, a: RankedOffer, b: RankedOffer): number => {
  switch (order) {
    case "CPU":
      return a.prepared.nonRevocable.cpus - b.prepared.nonRevocable.cpus
    case "MEMORY":
      return a.prepared.nonRevocable.ramMb - b.prepared.nonRevocable.ramMb
    case "DISK":
      return a.prepared.nonRevocable.diskMb - b.prepared.nonRevocable.diskMb
    case "REVOCABLE_CPU": {
      const x = revocableCpuKey(a.prepared)
      const y = revocableCpuKey(b.prepared)
      return x === y ? 0 : x < y ? -1 : 1
    }
    case "RANDOM":
      return a.randomRank - b.randomRank
  }
}

/**
 * Offer order (§1.4): maintenance mode, then unavailability (none first, later start before earlier),
 * then each configured order, then the offer id as a stable tie-breaker (Aurora's sorted set would
 * otherwise drop ties).
 */
export const offerComparator =
  (orders: ReadonlyArray<OfferOrder>) =>
  (a: RankedOffer, b: RankedOffer): number => {
    const m = MaintenanceModeNumber[a.prepared.host.mode] - MaintenanceModeNumber[b.prepared.host.mode]
    if (m !== 0) return m
    const ua = a.prepared.unavailabilityStartMs
    const ub = b.prepared.unavailabilityStartMs
    if (ua !== ub) {
      if (ua === undefined) return -1
      if (ub === undefined) return 1
      return ub - ua
    }
    for (const o of orders) {
      const c = compareBy(o, a, b)
      if (c !== 0) return c
    }
    const ia = a.prepared.offer.id
    const ib = b.prepared.offer.id
    return ia < ib ? -1 : ia > ib ? 1 : 0
  }

/** Seedable PRNG (mulberry32): returns floats in [0, 1). */
export const seededRandom = (seed: number): (() => number) => {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export type PortAssignment =
  | { readonly _tag: "Assigned"; readonly ports: Readonly<Record<string, number>> }
  | { readonly _tag: "NotEnoughPorts"; readonly requested: number; readonly offered: number }

/**
 * Gives each requested named port a distinct port drawn uniformly from the offer's ranges
 * (a partial Fisher-Yates shuffle is uniform over the first k picks).
 */
export const assignPorts = (
  offer: Offer,
  names: ReadonlyArray<string>,
  random: () => number
): PortAssignment => {
  const unique = [...new Set(names)]
  if (unique.length === 0) return { _tag: "Assigned", ports: {} }
  const pool = offeredPorts(offer)
  if (pool.length < unique.length) {
    return { _tag: "NotEnoughPorts", requested: unique.length, offered: pool.length }
  }
  const ports: Record<string, number> = {}
  for (let i = 0; i < unique.length; i++) {
    const j = i + Math.floor(random() * (pool.length - i))
    const t = pool[i]
    pool[i] = pool[j]
    pool[j] = t
    ports[unique[i]] = pool[i]
  }
  return { _tag: "Assigned", ports }
}
