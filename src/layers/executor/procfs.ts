import { readdirSync, readFileSync } from "node:fs"
import type { ResourceUse } from "../../domain/thermos/views.ts"

/** Resource use of a process group sampled from /proc (observer, executor.md §9). */
const TICKS = 100
const PAGE = 4096

export interface Stat {
  readonly pid: number
  readonly pgrp: number
  readonly state: string
  readonly utime: number
  readonly stime: number
  readonly nice: number
  readonly threads: number
  readonly vsize: number
  readonly rss: number
}

const readStat = (pid: number): Stat | undefined => {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8")
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ")
    return {
      pid,
      state: f[0],
      pgrp: Number(f[2]),
      utime: Number(f[11]) / TICKS,
      stime: Number(f[12]) / TICKS,
      nice: Number(f[16]),
      threads: Number(f[17]),
      vsize: Number(f[20]),
      rss: Number(f[21]) * PAGE
    }
  } catch {
    return undefined
  }
}

const last = new Map<number, { readonly at: number; readonly cpu: number }>()

/** Every live process on the host, read once per page or request. */
export const procSnapshot = (): ReadonlyArray<Stat> => {
  const out: Array<Stat> = []
  for (const name of readdirSync("/proc")) {
    const pid = Number(name)
    if (!Number.isInteger(pid)) continue
    const st = readStat(pid)
    if (st !== undefined && st.state !== "Z") out.push(st)
  }
  return out
}

/** Sums a process group; cpu is the rate since the previous sample of the same group (0 at first). */
export const sampleGroup = (
  snapshot: ReadonlyArray<Stat>,
  pgid: number,
  nowMs: number
): ResourceUse | undefined => {
  const members = snapshot.filter((m) => m.pgrp === pgid)
  if (members.length === 0) return undefined
  const user = members.reduce((a, m) => a + m.utime, 0)
  const system = members.reduce((a, m) => a + m.stime, 0)
  const prev = last.get(pgid)
  last.set(pgid, { at: nowMs, cpu: user + system })
  const cpu =
    prev === undefined || nowMs <= prev.at
      ? 0
      : Math.max(0, (user + system - prev.cpu) / ((nowMs - prev.at) / 1000))
  const rss = members.reduce((a, m) => a + m.rss, 0)
  return {
    cpu,
    ram: rss,
    user,
    system,
    rss,
    vms: members.reduce((a, m) => a + m.vsize, 0),
    threads: members.reduce((a, m) => a + m.threads, 0),
    nice: members[0].nice,
    status: members[0].state
  }
}
