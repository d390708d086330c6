// A deterministic simulated network of log members with faults, used by the Paxos property tests.
// Everything derives from one seed, so a failing schedule replays exactly (PAXOS_SEED=<seed>).
import {
  type Action,
  type Admitted,
  admit,
  applyDurable,
  type Envelope,
  emptyPipeline,
  emptyReplica,
  initNode,
  type NodeState,
  type PaxosConfig,
  type Pipeline,
  type Ready,
  type ReplicaState,
  type Result,
  step,
  synced,
  type Value
} from "../../../src/domain/paxos/index.ts"

export interface SimOptions {
  readonly seed: number
  readonly events?: number
  /** Prints every step (for replaying a failing seed). */
  readonly trace?: boolean
}

export interface SimStats {
  readonly acked: number
  readonly learned: number
  readonly elections: number
  readonly wipes: number
  readonly crashes: number
  readonly truncates: number
}

class Rng {
  constructor(private s: number) {
    this.s = s >>> 0 || 1
  }
  next(): number {
    let x = this.s
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.s = x >>> 0
    return this.s / 0x100000000
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
}

const key = (v: Value<string>): string =>
  v._tag === "Data" ? `D:${v.data}` : v._tag === "Noop" ? "N" : `T:${v.to}`

const cloneReplica = (r: ReplicaState<string>): ReplicaState<string> => ({
  status: r.status,
  promised: r.promised,
  begin: r.begin,
  end: r.end,
  actions: new Map(r.actions)
})

interface InFlight {
  readonly env: Envelope<string>
  readonly at: number
}

export const runSchedule = (opts: SimOptions): SimStats => {
  const rng = new Rng(opts.seed * 2654435761 + 12345)
  const n = rng.next() < 0.75 ? 3 : 5
  const quorum = Math.floor(n / 2) + 1
  const members = Array.from({ length: n }, (_, i) => i)
  const autoInit = rng.next() < 0.3
  const config = (id: number): PaxosConfig => ({
    id,
    members,
    quorum,
    autoInitialize: autoInit,
    retryMs: 10,
    maxRounds: 4
  })
  const disks: Array<ReplicaState<string>> = members.map(() => emptyReplica(autoInit ? "EMPTY" : "VOTING"))
  const nodes: Array<NodeState<string> | null> = members.map((i) =>
    initNode(config(i), cloneReplica(disks[i]), 0, opts.seed + i)
  )
  const isolated = new Set<number>()
  // While faulty, batches sync at random later events (crashes lose unsynced ones); then at once.
  let faulty = true
  const pipes: Array<Pipeline> = members.map(() => emptyPipeline())
  const syncing: Array<Array<{ a: Admitted<string>; events: Ready<string>["events"] }>> = members.map(
    () => []
  )
  const net: Array<InFlight> = []
  let now = 0
  let clock = 0 // logical event counter, for exclusivity
  let reqId = 0
  const proposed = new Set<string>()
  const pending = new Map<number, { node: number; values: Array<string> }>()
  const acked = new Map<number, string>() // position -> data acknowledged to a client
  const chosen = new Map<number, string>() // position -> value key learned anywhere
  const elections: Array<{ ballot: number; at: number }> = []
  const accepts = new Map<string, Array<number>>() // "ballot:pos" -> acceptance times
  let wipes = 0
  let crashes = 0
  const fail = (msg: string): never => {
    throw new Error(
      `seed ${opts.seed}: ${msg}\n  replay: PAXOS_SEED=${opts.seed} PAXOS_TRACE=1 npx vitest run test/property/paxos.test.ts`
    )
  }

  const checkAction = (a: Action<string>) => {
    if (a.learned && a.value) {
      const k = key(a.value)
      const prev = chosen.get(a.position)
      if (prev === undefined) chosen.set(a.position, k)
      else if (prev !== k) fail(`agreement: position ${a.position} learned as ${prev} and ${k}`)
      if (a.value._tag === "Data" && !proposed.has(a.value.data))
        fail(`validity: ${a.value.data} was never proposed`)
    }
  }

  // The oldest batch of a member reaches its disk: records apply, then its held messages leave.
  const syncOne = (id: number) => {
    const batch = syncing[id].shift()
    if (!batch) return
    clock++
    for (const rec of batch.a.persist) {
      const before = rec._tag === "Action" ? disks[id].actions.get(rec.action.position)?.ballot : undefined
      applyDurable(disks[id], rec)
      if (rec._tag === "Action") {
        checkAction(rec.action)
        const accepted = rec.action.ballot > 0 && rec.action.ballot !== before
        if (accepted && !rec.action.learned && rec.action.value) {
          const k = `${rec.action.ballot}:${rec.action.position}`
          const list = accepts.get(k) ?? []
          list.push(clock)
          accepts.set(k, list)
          checkExclusive(rec.action.ballot, list)
        }
      }
    }
    synced(pipes[id], batch.a)
    for (const env of batch.a.late) net.push({ env, at: now + 1 + rng.int(8) })
    for (const ev of batch.events) if (ev._tag === "Elected") elections.push({ ballot: ev.ballot, at: clock })
    report(batch.a.lateResults)
  }
  const syncAll = (id: number) => {
    while (syncing[id].length > 0) syncOne(id)
  }

  const report = (results: ReadonlyArray<Result>) => {
    for (const res of results) {
      const req = pending.get(res.id)
      if (!req) continue
      pending.delete(res.id)
      if (res._tag === "Appended")
        res.positions.forEach((p, i) => {
          if (req.values[i] === undefined) return
          acked.set(p, req.values[i])
          const c = chosen.get(p)
          if (c !== undefined && c !== `D:${req.values[i]}`)
            fail(`acked ${req.values[i]} at ${p} but chosen ${c}`)
        })
    }
  }

  // A quorum accepting ballot b after a higher ballot's election completed would mean two writers.
  const checkExclusive = (ballot: number, times: Array<number>) => {
    let first = Number.POSITIVE_INFINITY
    for (const e of elections) if (e.ballot > ballot && e.at < first) first = e.at
    if (first === Number.POSITIVE_INFINITY) return
    if (times.filter((t) => t > first).length >= quorum)
      fail(`exclusivity: ballot ${ballot} won a quorum after a higher ballot was elected`)
  }

  const run = (id: number, input: Parameters<typeof step<string>>[1]) => {
    const node = nodes[id]
    if (!node) return
    const ready = step(node, input)
    if (opts.trace)
      console.log(
        `#${clock + 1} t=${now} n${id} <- ${JSON.stringify(input)}\n   persist=${JSON.stringify(ready.persist)} early=${JSON.stringify(ready.early.map((e) => [e.to, e.msg]))} send=${JSON.stringify(ready.send.map((e) => [e.to, e.msg]))} ev=${JSON.stringify(ready.events)} res=${JSON.stringify(ready.results)}`
      )
    // As the real driver does: the batch syncs later (pipelined); what may go before it does.
    const a = admit(pipes[id], [ready])
    for (const env of a.early) net.push({ env, at: now + 1 + rng.int(8) })
    report(a.earlyResults)
    syncing[id].push({ a, events: ready.events })
    if (syncing[id].length > 3 || !faulty) syncOne(id)
  }

  let truncates = 0
  const appendTruncate = (id: number) => {
    let top = 0
    for (const p of chosen.keys()) if (p > top) top = p
    if (top < 2) return
    truncates++
    const rid = ++reqId
    pending.set(rid, { node: id, values: [] })
    run(id, { _tag: "Append", id: rid, values: [{ _tag: "Truncate", to: top - rng.int(2) }] })
  }

  const append = (id: number) => {
    const count = 1 + rng.int(3)
    const values = Array.from({ length: count }, () => `v${reqId}.${rng.int(1000)}`)
    for (const v of values) proposed.add(v)
    const rid = ++reqId
    pending.set(rid, { node: id, values })
    run(id, { _tag: "Append", id: rid, values: values.map((data) => ({ _tag: "Data", data }) as const) })
  }

  const deliver = (i: number) => {
    const [m] = net.splice(i, 1)
    const { from, to, msg } = m.env
    if (isolated.has(from) !== isolated.has(to)) return
    run(to, { _tag: "Receive", from, msg })
  }

  const crash = (id: number) => {
    // Whatever had not reached the disk is lost with the process.
    nodes[id] = null
    syncing[id] = []
    pipes[id] = emptyPipeline()
    crashes++
  }

  const restart = (id: number) => {
    syncing[id] = []
    pipes[id] = emptyPipeline()
    nodes[id] = initNode(config(id), cloneReplica(disks[id]), now, opts.seed * 31 + clock)
    for (const p of pending.values()) if (p.node === id) p.values.length = 0
  }

  const events = opts.events ?? 250
  for (let e = 0; e < events; e++) {
    const x = rng.next()
    const who = rng.int(n)
    if (x < 0.42) {
      if (net.length > 0) deliver(rng.int(net.length))
    } else if (x < 0.5) {
      syncOne(who)
    } else if (x < 0.61) {
      append(who)
    } else if (x < 0.62) {
      appendTruncate(who)
    } else if (x < 0.8) {
      now += 1 + rng.int(10)
      run(who, { _tag: "Tick", now })
    } else if (x < 0.86) {
      if (net.length > 0) net.splice(rng.int(net.length), 1)
    } else if (x < 0.91) {
      if (net.length > 0) net.push(net[rng.int(net.length)])
    } else if (x < 0.92) {
      if (nodes[who]) crash(who)
      else restart(who)
    } else if (x < 0.94) {
      if (nodes[who]) syncAll(who)
    } else if (x < 0.97) {
      if (isolated.has(who)) isolated.delete(who)
      else if (isolated.size + 1 < quorum || rng.next() < 0.3) isolated.add(who)
    } else if (x < 0.975) {
      // Disk loss of one replica, only while every other replica votes (a minority failure).
      const othersVote = disks.every((d, i) => i === who || d.status === "VOTING")
      if (othersVote && disks[who].status === "VOTING" && nodes[who]) {
        disks[who] = emptyReplica("EMPTY")
        restart(who)
        wipes++
      }
    } else {
      for (const nd of nodes) {
        now += 3
        if (nd) run(nd.config.id, { _tag: "Tick", now })
      }
    }
  }

  // Heal everything (no more crashes), then let one member lead until every member votes and its log is complete.
  isolated.clear()
  faulty = false
  for (const id of members) {
    if (!nodes[id]) restart(id)
    else syncAll(id)
  }
  const leader = rng.int(n)
  let finalId = -1
  let done = false
  for (let round = 0; round < 400 && !done; round++) {
    now += 10
    for (const id of members) run(id, { _tag: "Tick", now })
    for (let guard = 0; net.length > 0 && guard < 100000; guard++) deliver(0)
    const ln = nodes[leader]!
    const allVoting = nodes.every((nd) => nd!.replica.status === "VOTING")
    if (!allVoting) continue
    if (finalId < 0 || (!pending.has(finalId) && ln.coord.phase !== "elected")) {
      append(leader)
      finalId = reqId
      continue
    }
    const c = ln.coord
    done =
      !pending.has(finalId) &&
      c.phase === "elected" &&
      c.rounds.size === 0 &&
      c.fillWrites === 0 &&
      c.fillNext > c.fillEnd
  }
  if (!done) fail("liveness: the healed cluster did not settle under one leader")
  const r = nodes[leader]!.replica
  for (const [p, data] of acked) {
    if (p < r.begin) continue
    const a = r.actions.get(p)
    if (!a?.learned || a.value?._tag !== "Data" || a.value.data !== data)
      fail(`durability: acked ${data} at ${p} but leader holds ${a?.value ? key(a.value) : "nothing"}`)
  }
  return { acked: acked.size, learned: chosen.size, elections: elections.length, wipes, crashes, truncates }
}
