// An in-process network between log members with injectable faults: drop, duplicate, delay/reorder,
// partition. Crash-restart is closing a member's scope and building it again on the same store.
import { Effect } from "effect"
import type { Envelope } from "../../domain/paxos/index.ts"
import type { Bytes } from "./store.ts"
import type { Transport } from "./transport.ts"

export interface Faults {
  drop: number
  duplicate: number
  /** Each message waits a random delay in [0, maxDelayMs) (so messages reorder). */
  maxDelayMs: number
  /** Members cut off from everyone else. */
  readonly isolated: Set<number>
}

export interface MemoryNetwork {
  readonly faults: Faults
  readonly transport: (id: number) => Transport
}

export const makeMemoryNetwork = (seed = 1): MemoryNetwork => {
  const receivers = new Map<number, (e: Envelope<Bytes>) => void>()
  const faults: Faults = { drop: 0, duplicate: 0, maxDelayMs: 0, isolated: new Set() }
  let s = seed >>> 0 || 1
  const random = () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 0x100000000
  }
  const deliver = (e: Envelope<Bytes>) => {
    if (faults.isolated.has(e.from) !== faults.isolated.has(e.to)) return
    receivers.get(e.to)?.(e)
  }
  const route = (e: Envelope<Bytes>) => {
    if (random() < faults.drop) return
    const copies = random() < faults.duplicate ? 2 : 1
    for (let i = 0; i < copies; i++) {
      if (faults.maxDelayMs <= 0) queueMicrotask(() => deliver(e))
      else setTimeout(() => deliver(e), Math.floor(random() * faults.maxDelayMs))
    }
  }
  return {
    faults,
    transport: (id) => ({
      send: (envelopes) => {
        for (const e of envelopes) if (e.to !== id) route(e)
      },
      listen: (receive) =>
        Effect.acquireRelease(
          Effect.sync(() => receivers.set(id, receive)),
          () => Effect.sync(() => receivers.get(id) === receive && receivers.delete(id))
        ).pipe(Effect.asVoid)
    })
  }
}
