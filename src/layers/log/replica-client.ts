// A small client for replica-server processes (tests and benchmarks): append, read and status over TCP.
import * as net from "node:net"
import { corkedWriter, encodeFrame, FrameReader, KIND_CLIENT_REPLY, KIND_CLIENT_REQUEST } from "./codec.ts"

type Reply = {
  readonly positions?: Array<number>
  readonly status?: string
  readonly begin?: number
  readonly end?: number
} & Array<{ position: number; data: Uint8Array }>

export interface ReplicaClient {
  append(entries: ReadonlyArray<Uint8Array>): Promise<ReadonlyArray<number>>
  read(from: number, to: number): Promise<Array<{ position: number; data: Uint8Array }>>
  status(): Promise<{ status: string; begin: number; end: number }>
  close(): void
}

export const connectReplica = (port: number, host = "127.0.0.1"): Promise<ReplicaClient> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, host)
    socket.setNoDelay(true)
    const pending = new Map<number, { resolve: (v: Reply) => void; reject: (e: Error) => void }>()
    let next = 0
    const write = corkedWriter(socket)
    const reader = new FrameReader()
    socket.on("data", (chunk) =>
      reader.push(chunk, (f) => {
        if (f.kind !== KIND_CLIENT_REPLY) return
        const h = f.header as { id: number; error?: string; positions?: Array<number> } & Record<
          string,
          unknown
        >
        const p = pending.get(h.id)
        if (!p) return
        pending.delete(h.id)
        if (h.error) p.reject(new Error(h.error))
        else if (h.positions && f.blobs.length > 0)
          p.resolve(h.positions.map((position, i) => ({ position, data: f.blobs[i] })) as Reply)
        else p.resolve(h as unknown as Reply)
      })
    )
    const failAll = (e: Error) => {
      for (const p of pending.values()) p.reject(e)
      pending.clear()
    }
    socket.on("error", (e) => {
      failAll(e)
      reject(e)
    })
    let closed = false
    socket.on("close", () => {
      closed = true
      failAll(new Error("replica connection closed"))
    })
    const call = (header: Record<string, unknown>, blobs: ReadonlyArray<Uint8Array> = []) =>
      new Promise<Reply>((res, rej) => {
        if (closed) return rej(new Error("replica connection closed"))
        const id = ++next
        pending.set(id, { resolve: res, reject: rej })
        write(encodeFrame(KIND_CLIENT_REQUEST, { ...header, id }, blobs))
      })
    socket.on("connect", () =>
      resolve({
        append: (entries) => call({ op: "append" }, entries).then((h) => h.positions ?? []),
        read: (from, to) => call({ op: "read", from, to }).then((r) => (Array.isArray(r) ? r : [])),
        status: () =>
          call({ op: "status" }).then((h) => ({
            status: h.status ?? "?",
            begin: h.begin ?? 0,
            end: h.end ?? 0
          })),
        close: () => socket.destroy()
      })
    )
  })
