// Binary frames on the wire: [u32 length][u8 kind][u32 headerLength][header JSON][u32 blobCount]([u32 n][n bytes])*.
// Entry bytes travel as blobs beside a small JSON header, so 256-byte entries are not base64-inflated.
import type { Envelope, Message, Value } from "../../domain/paxos/index.ts"
import type { Bytes } from "./store.ts"

export const KIND_PAXOS = 1
export const KIND_CLIENT_REQUEST = 2
export const KIND_CLIENT_REPLY = 3

export interface Frame {
  readonly kind: number
  readonly header: unknown
  readonly blobs: ReadonlyArray<Bytes>
}

export const encodeFrame = (kind: number, header: unknown, blobs: ReadonlyArray<Bytes> = []): Buffer => {
  const h = Buffer.from(JSON.stringify(header))
  let size = 4 + 1 + 4 + h.length + 4
  for (const b of blobs) size += 4 + b.length
  const out = Buffer.allocUnsafe(size)
  let o = out.writeUInt32BE(size - 4, 0)
  o = out.writeUInt8(kind, o)
  o = out.writeUInt32BE(h.length, o)
  o += h.copy(out, o)
  o = out.writeUInt32BE(blobs.length, o)
  for (const b of blobs) {
    o = out.writeUInt32BE(b.length, o)
    out.set(b, o)
    o += b.length
  }
  return out
}

/** Splits a byte stream into frames; keeps the unfinished tail for the next chunk. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0)
  push(chunk: Buffer, onFrame: (f: Frame) => void): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    let o = 0
    while (this.buf.length - o >= 4) {
      const len = this.buf.readUInt32BE(o)
      if (this.buf.length - o - 4 < len) break
      const start = o + 4
      const kind = this.buf.readUInt8(start)
      const hl = this.buf.readUInt32BE(start + 1)
      const header = JSON.parse(this.buf.toString("utf8", start + 5, start + 5 + hl))
      let p = start + 5 + hl
      const count = this.buf.readUInt32BE(p)
      p += 4
      const blobs: Array<Bytes> = []
      for (let i = 0; i < count; i++) {
        const n = this.buf.readUInt32BE(p)
        p += 4
        blobs.push(this.buf.subarray(p, p + n))
        p += n
      }
      o = start + len
      onFrame({ kind, header, blobs })
    }
    this.buf = o === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(o)
  }
}

interface WireMessage {
  readonly _tag: string
  readonly value: Wire
  readonly accepted: { readonly ballot: number; readonly value: Wire } | null
  readonly learned: Wire | null
}

type Wire = { readonly _tag: "Data"; readonly blob: number } | Value<never>

const valueOut = (v: Value<Bytes>, blobs: Array<Bytes>): Wire => {
  if (v._tag !== "Data") return v
  blobs.push(v.data)
  return { _tag: "Data", blob: blobs.length - 1 }
}
const valueIn = (w: Wire, blobs: ReadonlyArray<Bytes>): Value<Bytes> =>
  w._tag === "Data" && "blob" in w ? { _tag: "Data", data: blobs[w.blob] } : (w as Value<Bytes>)

export const encodeEnvelope = (e: Envelope<Bytes>): Buffer => {
  const blobs: Array<Bytes> = []
  const m = e.msg
  let msg: unknown = m
  if (m._tag === "Write" || m._tag === "Learned") msg = { ...m, value: valueOut(m.value, blobs) }
  else if (m._tag === "PromiseOk")
    msg = {
      ...m,
      accepted: m.accepted ? { ballot: m.accepted.ballot, value: valueOut(m.accepted.value, blobs) } : null,
      learned: m.learned ? valueOut(m.learned, blobs) : null
    }
  return encodeFrame(KIND_PAXOS, { from: e.from, to: e.to, msg }, blobs)
}

export const decodeEnvelope = (f: Frame): Envelope<Bytes> => {
  const h = f.header as { from: number; to: number; msg: WireMessage }
  const m = h.msg
  let msg = m as unknown as Message<Bytes>
  if (m._tag === "Write" || m._tag === "Learned")
    msg = { ...m, value: valueIn(m.value, f.blobs) } as unknown as Message<Bytes>
  else if (m._tag === "PromiseOk")
    msg = {
      ...m,
      accepted: m.accepted ? { ballot: m.accepted.ballot, value: valueIn(m.accepted.value, f.blobs) } : null,
      learned: m.learned ? valueIn(m.learned, f.blobs) : null
    } as unknown as Message<Bytes>
  return { from: h.from, to: h.to, msg }
}

/**
 * Coalesces the writes made to a socket in one turn of the event loop into one system call;
 * `flush` sends what is held now (before the caller blocks, e.g. on a disk sync).
 */
export const corkedWriter = (socket: {
  cork(): void
  uncork(): void
  write(b: Uint8Array): boolean
  destroyed: boolean
}): ((buf: Uint8Array) => void) & { readonly flush: () => void } => {
  let corked = false
  const flush = () => {
    if (!corked) return
    corked = false
    socket.uncork()
  }
  const write = (buf: Uint8Array) => {
    if (socket.destroyed) return
    if (!corked) {
      corked = true
      socket.cork()
      setImmediate(flush)
    }
    socket.write(buf)
  }
  return Object.assign(write, { flush })
}
