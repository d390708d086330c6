// A log replica as its own OS process (integration tests, benchmarks):
//   node --import tsx src/layers/log/replica-server.ts '<json options>'
// options: { id, path, quorum, members: { "<id>": port }, autoInitialize?, writeTimeoutMs? }
// It serves the Paxos protocol and a small client protocol (append/read/status) on its port, and
// prints "READY <port>" once listening.
import type * as net from "node:net"
import { Effect, Either } from "effect"
import { corkedWriter, encodeFrame, type Frame, KIND_CLIENT_REPLY, KIND_CLIENT_REQUEST } from "./codec.ts"
import { listenTcp, makeTcpMember } from "./layers.ts"
import type { LogMember } from "./member.ts"
import type { PeerAddress } from "./tcp-transport.ts"

interface ServerOptions {
  readonly id: number
  readonly path: string
  readonly quorum: number
  readonly members: Record<string, number>
  readonly autoInitialize?: boolean
  readonly writeTimeoutMs?: number
  readonly storeThread?: "worker" | "main"
}

const writers = new WeakMap<net.Socket, (b: Uint8Array) => void>()

const serve = (log: LogMember, f: Frame, socket: net.Socket) => {
  if (f.kind !== KIND_CLIENT_REQUEST) return
  const h = f.header as { id: number; op: string; from?: number; to?: number }
  let write = writers.get(socket)
  if (!write) {
    write = corkedWriter(socket)
    writers.set(socket, write)
  }
  const out = write
  const reply = (header: Record<string, unknown>, blobs: ReadonlyArray<Uint8Array> = []) =>
    out(encodeFrame(KIND_CLIENT_REPLY, { ...header, id: h.id }, blobs))
  if (h.op === "append")
    // The hot path: a plain callback, no fiber per request.
    return log.appendNow(f.blobs, (r) =>
      Either.match(r, {
        onLeft: (e) => reply({ error: `${e._tag}: ${e.message}` }),
        onRight: (positions) => reply({ positions })
      })
    )
  const work =
    h.op === "read"
      ? Effect.map(log.read(h.from ?? 1, h.to ?? Number.MAX_SAFE_INTEGER), (entries) =>
          reply(
            { positions: entries.map((e) => e.position) },
            entries.map((e) => e.data)
          )
        )
      : Effect.map(Effect.all([log.status, log.position]), ([status, pos]) => reply({ status, ...pos }))
  // read and status cannot fail (they look at memory).
  Effect.runFork(work)
}

const main = (opts: ServerOptions) =>
  Effect.scoped(
    Effect.gen(function* () {
      const members = new Map<number, PeerAddress>(
        Object.entries(opts.members).map(([id, port]) => [Number(id), { host: "127.0.0.1", port }])
      )
      const server = yield* listenTcp(members.get(opts.id)!)
      let log: LogMember | undefined
      const member = yield* makeTcpMember(
        { ...opts, members, writeTimeoutMs: opts.writeTimeoutMs ?? 10_000 },
        server,
        (f, s) => {
          if (log) serve(log, f, s)
        }
      )
      log = member
      process.stdout.write(`READY ${members.get(opts.id)!.port}\n`)
      yield* Effect.never
    })
  )

// A polite stop (SIGTERM/SIGINT) exits normally; tests use SIGKILL to simulate crashes.
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0))

Effect.runPromise(main(JSON.parse(process.argv[2]) as ServerOptions)).catch((e) => {
  process.stderr.write(`replica-server: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
