// Members talk over TCP. Each step's messages for one peer go out in a single write; a lost
// connection drops what it held (Paxos resends) and reconnects on the next send.
import * as net from "node:net"
import { Effect } from "effect"
import type { Envelope } from "../../domain/paxos/index.ts"
import { corkedWriter, decodeEnvelope, encodeEnvelope, type Frame, FrameReader, KIND_PAXOS } from "./codec.ts"
import type { Bytes } from "./store.ts"
import type { Transport } from "./transport.ts"

export interface PeerAddress {
  readonly host: string
  readonly port: number
}

interface Peer {
  socket: net.Socket | undefined
  write: ReturnType<typeof corkedWriter> | undefined
  connected: boolean
  pending: Array<Buffer>
}

/**
 * `server` is this member's listening server; other frame kinds on it (client requests) go to `onOther`.
 */
export const makeTcpTransport = (
  self: number,
  peers: ReadonlyMap<number, PeerAddress>,
  server: net.Server,
  onOther?: (frame: Frame, socket: net.Socket) => void
): Transport => {
  const out = new Map<number, Peer>()
  const connect = (id: number): Peer => {
    let p = out.get(id)
    if (p?.socket) return p
    if (!p) {
      p = { socket: undefined, write: undefined, connected: false, pending: [] }
      out.set(id, p)
    }
    const addr = peers.get(id)!
    const peer = p
    const socket = net.connect(addr.port, addr.host)
    socket.setNoDelay(true)
    peer.socket = socket
    // Sends of one event-loop turn (several batches' early and late messages) share one system call.
    peer.write = corkedWriter(socket)
    socket.on("connect", () => {
      peer.connected = true
      if (peer.pending.length > 0) socket.write(Buffer.concat(peer.pending))
      peer.pending = []
    })
    const drop = () => {
      if (peer.socket === socket) {
        peer.socket = undefined
        peer.connected = false
        peer.pending = []
      }
      socket.destroy()
    }
    socket.on("error", drop)
    socket.on("close", drop)
    socket.on("data", () => {})
    return peer
  }

  const send = (envelopes: ReadonlyArray<Envelope<Bytes>>) => {
    const byPeer = new Map<number, Array<Buffer>>()
    for (const e of envelopes) {
      if (e.to === self || !peers.has(e.to)) continue
      let list = byPeer.get(e.to)
      if (!list) {
        list = []
        byPeer.set(e.to, list)
      }
      list.push(encodeEnvelope(e))
    }
    for (const [id, frames] of byPeer) {
      const peer = connect(id)
      const buf = frames.length === 1 ? frames[0] : Buffer.concat(frames)
      if (peer.connected) peer.write?.(buf)
      else if (peer.pending.length < 10_000) peer.pending.push(buf)
    }
  }

  const listen = (receive: (e: Envelope<Bytes>) => void) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const sockets = new Set<net.Socket>()
        const onConnection = (socket: net.Socket) => {
          sockets.add(socket)
          socket.setNoDelay(true)
          const reader = new FrameReader()
          socket.on("data", (chunk) => {
            try {
              reader.push(chunk, (f) => {
                if (f.kind === KIND_PAXOS) receive(decodeEnvelope(f))
                else onOther?.(f, socket)
              })
            } catch {
              socket.destroy()
            }
          })
          socket.on("error", () => socket.destroy())
          socket.on("close", () => sockets.delete(socket))
        }
        server.on("connection", onConnection)
        return { onConnection, sockets }
      }),
      ({ onConnection, sockets }) =>
        Effect.sync(() => {
          server.off("connection", onConnection)
          for (const s of sockets) s.destroy()
          for (const p of out.values()) p.socket?.destroy()
        })
    ).pipe(Effect.asVoid)

  const flush = () => {
    for (const p of out.values()) p.write?.flush()
  }

  return { send, flush, listen }
}
