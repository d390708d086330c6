import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** A temp dir removed by the returned cleanup. */
export const tempDir = (prefix = "thermos-test-"): { readonly dir: string; readonly cleanup: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls `f` every 20 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export const waitFor = async <A>(
  f: () => A | undefined | Promise<A | undefined>,
  timeoutMs = 10_000,
  what = "condition"
): Promise<A> => {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}
