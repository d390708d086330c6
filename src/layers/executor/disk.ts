import { lstatSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"

/** Bytes used under a directory (like `du`: files and symlinks themselves, no link following). */
export const diskUsage = (dir: string): number => {
  let total = 0
  const stack = [dir]
  while (stack.length > 0) {
    const d = stack.pop()!
    let names: Array<string>
    try {
      names = readdirSync(d)
    } catch {
      continue
    }
    for (const n of names) {
      const p = join(d, n)
      try {
        const st = lstatSync(p)
        if (st.isDirectory()) stack.push(p)
        else total += st.size
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return total
}

/**
 * The resource manager's disk check (executor.md §6.6): every `intervalMs`, fail once the sandbox
 * uses more than the task reserved. Never returns unless the limit is exceeded.
 */
export const diskWatch = (sandbox: string, reservedBytes: number, intervalMs: number) =>
  Effect.gen(function* () {
    for (;;) {
      yield* Effect.sleep(intervalMs)
      const used = diskUsage(sandbox)
      if (used > reservedBytes)
        return `Disk limit exceeded.  Reserved ${reservedBytes} bytes vs used ${used} bytes.`
    }
  })
