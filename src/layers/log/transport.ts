// How members of a log reach each other. Sends are fire-and-forget: Paxos resends what goes unanswered.
import { Effect, type Scope } from "effect"
import type { Envelope } from "../../domain/paxos/index.ts"
import type { Bytes } from "./store.ts"

export interface Transport {
  /** Sends a batch; a transport writes all envelopes for one peer together. */
  readonly send: (envelopes: ReadonlyArray<Envelope<Bytes>>) => void
  /** Sends now what `send` may still hold back to coalesce writes. */
  readonly flush?: () => void
  /** Registers the single receiver of incoming envelopes for the life of the scope. */
  readonly listen: (receive: (envelope: Envelope<Bytes>) => void) => Effect.Effect<void, never, Scope.Scope>
}

/** The embedded one-replica log has nobody to talk to. */
export const noTransport: Transport = {
  send: () => {},
  listen: () => Effect.void
}
