// One delay queue for the leader's many per-task timers (timeouts, kill retries, pruning ...): a heap
// and a single fiber, rather than a sleeping fiber per task (100,000 tasks would mean 100,000 fibers).
import { Clock, Effect, Queue, type Scope } from "effect"

interface Entry {
  readonly at: number
  readonly seq: number
  /** Built only when due: an armed timer costs one small closure, not an Effect tree. */
  readonly action: () => Effect.Effect<void>
}

const before = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.seq < b.seq)

class Heap {
  private readonly items: Array<Entry> = []
  get size() {
    return this.items.length
  }
  peek(): Entry | undefined {
    return this.items[0]
  }
  push(e: Entry) {
    const a = this.items
    a.push(e)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!before(a[i], a[p])) break
      ;[a[i], a[p]] = [a[p], a[i]]
      i = p
    }
  }
  pop(): Entry | undefined {
    const a = this.items
    const top = a[0]
    const last = a.pop()
    if (a.length > 0 && last !== undefined) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && before(a[l], a[m])) m = l
        if (r < a.length && before(a[r], a[m])) m = r
        if (m === i) break
        ;[a[i], a[m]] = [a[m], a[i]]
        i = m
      }
    }
    return top
  }
}

export interface Timers {
  /** Runs `action()` once `delayMs` have passed on the Clock (failures and defects are logged). */
  readonly after: (delayMs: number, action: () => Effect.Effect<void>) => Effect.Effect<void>
  readonly pending: () => number
}

/**
 * Due actions run concurrently (up to `concurrency`), so the writes they make share log appends.
 * The queue lives as long as the scope.
 */
export const makeTimers = (concurrency = 64): Effect.Effect<Timers, never, Scope.Scope> =>
  Effect.gen(function* () {
    const heap = new Heap()
    const wake = yield* Queue.sliding<void>(1)
    let seq = 0

    const loop = Effect.gen(function* () {
      for (;;) {
        const now = yield* Clock.currentTimeMillis
        const due: Array<() => Effect.Effect<void>> = []
        while ((heap.peek()?.at ?? Number.POSITIVE_INFINITY) <= now) due.push(heap.pop()!.action)
        if (due.length > 0) {
          yield* Effect.forEach(
            due,
            (a) => Effect.catchAllCause(Effect.suspend(a), (c) => Effect.logError("timer action failed", c)),
            { concurrency, discard: true }
          )
          continue
        }
        const next = heap.peek()
        if (next === undefined) yield* Queue.take(wake)
        else yield* Effect.raceFirst(Effect.sleep(next.at - now), Queue.take(wake))
      }
    })
    yield* Effect.forkScoped(loop)

    return {
      after: (delayMs, action) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const e: Entry = { at: now + Math.max(0, delayMs), seq: seq++, action }
          const first = heap.peek()
          heap.push(e)
          return first === undefined || before(e, first) ? Queue.offer(wake, undefined) : Effect.void
        }),
      pending: () => heap.size
    }
  })
