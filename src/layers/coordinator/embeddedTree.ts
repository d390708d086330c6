// The single-node in-process ZooKeeper data tree: znodes, sessions, ephemerals, sequence numbers and
// one-shot watches with ZooKeeper's semantics. Plain synchronous TypeScript; embedded.ts wraps it.

import { formatSequence, parentOf } from "../../domain/coordinator/paths.ts"
import type { CreateMode, Stat, WatchEvent } from "../../services/Coordinator.ts"

export type TreeError =
  | "NoNode"
  | "NodeExists"
  | "NotEmpty"
  | "BadVersion"
  | "NoChildrenForEphemerals"
  | "SessionExpired"
export type TreeResult<A> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly error: TreeError }

interface ZNode {
  data: Uint8Array
  version: number
  cversion: number
  /** Next sequential suffix: ZooKeeper 3.8 counts creations only (deletes do not advance it). */
  sequence: number
  readonly children: Set<string>
  readonly ephemeralOwner: string | undefined
}

interface Watcher {
  readonly session: string
  readonly fire: (event: WatchEvent) => void
}

const ok = <A>(value: A): TreeResult<A> => ({ ok: true, value })
const err = <A>(error: TreeError): TreeResult<A> => ({ ok: false, error })

export class EmbeddedTree {
  private readonly nodes = new Map<string, ZNode>([
    [
      "/",
      {
        data: new Uint8Array(),
        version: 0,
        cversion: 0,
        sequence: 0,
        children: new Set(),
        ephemeralOwner: undefined
      }
    ]
  ])
  private readonly sessions = new Map<string, Set<string>>()
  private readonly dataWatches = new Map<string, Set<Watcher>>()
  private readonly childWatches = new Map<string, Set<Watcher>>()
  private nextSession = 1

  constructor(readonly name: string) {}

  openSession(): string {
    const id = (this.nextSession++).toString(16).padStart(16, "0")
    this.sessions.set(id, new Set())
    return id
  }

  isAlive(session: string): boolean {
    return this.sessions.has(session)
  }

  /** Ends a session (closed or expired): its ephemerals are deleted and its watches dropped. */
  endSession(session: string): void {
    const ephemerals = this.sessions.get(session)
    if (ephemerals === undefined) return
    this.sessions.delete(session)
    for (const watches of [this.dataWatches, this.childWatches]) {
      for (const set of watches.values()) for (const w of set) if (w.session === session) set.delete(w)
    }
    // Deepest first is not needed: ephemerals cannot have children.
    for (const path of ephemerals) this.remove(path)
  }

  private stat(node: ZNode): Stat {
    return {
      version: node.version,
      cversion: node.cversion,
      numChildren: node.children.size,
      dataLength: node.data.length,
      ephemeralOwner: node.ephemeralOwner
    }
  }

  private trigger(watches: Map<string, Set<Watcher>>, path: string, event: WatchEvent): void {
    const set = watches.get(path)
    if (set === undefined) return
    watches.delete(path)
    for (const w of set) w.fire(event)
  }

  private addWatch(watches: Map<string, Set<Watcher>>, path: string, watcher: Watcher): void {
    let set = watches.get(path)
    if (set === undefined) {
      set = new Set()
      watches.set(path, set)
    }
    set.add(watcher)
  }

  create(session: string, path: string, data: Uint8Array, mode: CreateMode): TreeResult<string> {
    const ephemerals = this.sessions.get(session)
    if (ephemerals === undefined) return err("SessionExpired")
    const parentPath = parentOf(path)
    const parent = this.nodes.get(parentPath)
    if (parent === undefined) return err("NoNode")
    if (parent.ephemeralOwner !== undefined) return err("NoChildrenForEphemerals")
    const sequential = mode === "PERSISTENT_SEQUENTIAL" || mode === "EPHEMERAL_SEQUENTIAL"
    const actual = sequential ? path + formatSequence(parent.sequence) : path
    if (this.nodes.has(actual)) return err("NodeExists")
    const ephemeral = mode === "EPHEMERAL" || mode === "EPHEMERAL_SEQUENTIAL"
    this.nodes.set(actual, {
      data: data.slice(),
      version: 0,
      cversion: 0,
      sequence: 0,
      children: new Set(),
      ephemeralOwner: ephemeral ? session : undefined
    })
    if (ephemeral) ephemerals.add(actual)
    parent.children.add(actual.slice(parentPath === "/" ? 1 : parentPath.length + 1))
    parent.cversion++
    parent.sequence++
    this.trigger(this.dataWatches, actual, "NodeCreated")
    this.trigger(this.childWatches, parentPath, "NodeChildrenChanged")
    return ok(actual)
  }

  private remove(path: string): void {
    const node = this.nodes.get(path)
    if (node === undefined) return
    this.nodes.delete(path)
    if (node.ephemeralOwner !== undefined) this.sessions.get(node.ephemeralOwner)?.delete(path)
    const parentPath = parentOf(path)
    const parent = this.nodes.get(parentPath)!
    parent.children.delete(path.slice(parentPath === "/" ? 1 : parentPath.length + 1))
    parent.cversion++
    this.trigger(this.dataWatches, path, "NodeDeleted")
    this.trigger(this.childWatches, path, "NodeDeleted")
    this.trigger(this.childWatches, parentPath, "NodeChildrenChanged")
  }

  delete(session: string, path: string, version: number | undefined): TreeResult<void> {
    if (!this.sessions.has(session)) return err("SessionExpired")
    const node = this.nodes.get(path)
    if (node === undefined || path === "/") return err("NoNode")
    if (version !== undefined && version !== -1 && node.version !== version) return err("BadVersion")
    if (node.children.size > 0) return err("NotEmpty")
    this.remove(path)
    return ok(undefined)
  }

  setData(session: string, path: string, data: Uint8Array, version: number | undefined): TreeResult<Stat> {
    if (!this.sessions.has(session)) return err("SessionExpired")
    const node = this.nodes.get(path)
    if (node === undefined) return err("NoNode")
    if (version !== undefined && version !== -1 && node.version !== version) return err("BadVersion")
    node.data = data.slice()
    node.version++
    this.trigger(this.dataWatches, path, "NodeDataChanged")
    return ok(this.stat(node))
  }

  /** exists; with a watcher it fires on creation, data change or deletion. */
  exists(session: string, path: string, watcher?: (e: WatchEvent) => void): TreeResult<Stat | undefined> {
    if (!this.sessions.has(session)) return err("SessionExpired")
    const node = this.nodes.get(path)
    if (watcher !== undefined) this.addWatch(this.dataWatches, path, { session, fire: watcher })
    return ok(node === undefined ? undefined : this.stat(node))
  }

  getData(
    session: string,
    path: string,
    watcher?: (e: WatchEvent) => void
  ): TreeResult<{ data: Uint8Array; stat: Stat }> {
    if (!this.sessions.has(session)) return err("SessionExpired")
    const node = this.nodes.get(path)
    if (node === undefined) return err("NoNode")
    if (watcher !== undefined) this.addWatch(this.dataWatches, path, { session, fire: watcher })
    return ok({ data: node.data.slice(), stat: this.stat(node) })
  }

  getChildren(session: string, path: string, watcher?: (e: WatchEvent) => void): TreeResult<Array<string>> {
    if (!this.sessions.has(session)) return err("SessionExpired")
    const node = this.nodes.get(path)
    if (node === undefined) return err("NoNode")
    if (watcher !== undefined) this.addWatch(this.childWatches, path, { session, fire: watcher })
    return ok([...node.children].sort())
  }
}
