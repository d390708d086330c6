// A loopback TCP proxy whose link can be cut, to make a ZooKeeper client lose its server abruptly
// (as a crashed or partitioned process would) while the process itself lives on.

import { createServer, connect as netConnect, type Socket } from "node:net"

export interface TcpProxy {
  readonly port: number
  /** Drops every connection and refuses new ones, for `ms` (forever if omitted). */
  readonly cut: (ms?: number) => void
  readonly restore: () => void
  readonly close: () => Promise<void>
}

export const startProxy = (targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> =>
  new Promise((resolve, reject) => {
    const sockets = new Set<Socket>()
    let open = true
    let timer: NodeJS.Timeout | undefined
    const server = createServer((client) => {
      if (!open) {
        client.destroy()
        return
      }
      const upstream = netConnect(targetPort, targetHost)
      sockets.add(client)
      sockets.add(upstream)
      const end = () => {
        client.destroy()
        upstream.destroy()
        sockets.delete(client)
        sockets.delete(upstream)
      }
      client.pipe(upstream)
      upstream.pipe(client)
      client.on("error", end)
      upstream.on("error", end)
      client.on("close", end)
      upstream.on("close", end)
    })
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const restore = () => {
        if (timer !== undefined) clearTimeout(timer)
        timer = undefined
        open = true
      }
      resolve({
        port,
        cut: (ms) => {
          open = false
          for (const s of sockets) s.destroy()
          sockets.clear()
          if (timer !== undefined) clearTimeout(timer)
          timer = ms === undefined ? undefined : setTimeout(restore, ms)
        },
        restore,
        close: () =>
          new Promise<void>((r) => {
            if (timer !== undefined) clearTimeout(timer)
            for (const s of sockets) s.destroy()
            server.close(() => r())
          })
      })
    })
  })
